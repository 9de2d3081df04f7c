import type { Tokenizer } from '../references/tokenizer.js';

/**
 * Which byte strings a tokenizer class has as tokens, as one Bloom filter per class: small enough to
 * commit for every class, and a token it reports absent is certainly absent. False presence (a few
 * percent) only weakens the evidence a token gives; it never rules the true class out.
 */
export interface MembershipFilter {
  /** Number of bits (a multiple of 8). */
  bits: number;
  hashes: number;
  data: Uint8Array;
}

export const BITS_PER_TOKEN = 16;
export const HASHES = 11;

/** Two independent 32-bit FNV-1a variants, combined by double hashing into `hashes` bit positions. */
function hashPair(bytes: Uint8Array): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ bytes.length;
  for (const byte of bytes) {
    a = Math.imul(a ^ byte, 0x01000193) >>> 0;
    b = Math.imul(b ^ (byte + 0x9e), 0x5bd1e995) >>> 0;
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35) >>> 0;
  return [a >>> 0, (b | 1) >>> 0];
}

function positions(filter: MembershipFilter, bytes: Uint8Array): number[] {
  const [a, b] = hashPair(bytes);
  const out: number[] = [];
  for (let i = 0; i < filter.hashes; i++) out.push(((a + Math.imul(i, b)) >>> 0) % filter.bits);
  return out;
}

/** A byte string hashed once, to be looked up in many filters (see filterHasHashed). */
export type HashedBytes = readonly [number, number];

export function hashBytes(bytes: Uint8Array): HashedBytes {
  return hashPair(bytes);
}

export function filterHasHashed(filter: MembershipFilter, [a, b]: HashedBytes): boolean {
  for (let i = 0; i < filter.hashes; i++) {
    const p = ((a + Math.imul(i, b)) >>> 0) % filter.bits;
    if ((filter.data[p >>> 3] & (1 << (p & 7))) === 0) return false;
  }
  return true;
}

export function createFilter(tokens: Iterable<Uint8Array>, size: number): MembershipFilter {
  const bits = Math.max(64, Math.ceil((size * BITS_PER_TOKEN) / 8) * 8);
  const filter: MembershipFilter = { bits, hashes: HASHES, data: new Uint8Array(bits / 8) };
  for (const token of tokens) for (const p of positions(filter, token)) filter.data[p >>> 3] |= 1 << (p & 7);
  return filter;
}

export function filterHas(filter: MembershipFilter, bytes: Uint8Array): boolean {
  return positions(filter, bytes).every((p) => (filter.data[p >>> 3] & (1 << (p & 7))) !== 0);
}

/** Every non-empty token of the tokenizers, by bytes, each once. */
export function tokenByteSet(tokenizers: readonly Tokenizer[]): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const tokenizer of tokenizers) {
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const bytes = tokenizer.tokenBytes(id);
      if (!bytes || bytes.length === 0) continue;
      const key = Buffer.from(bytes).toString('latin1');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(bytes);
    }
  }
  return out;
}
