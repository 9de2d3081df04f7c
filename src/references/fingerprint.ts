/**
 * A vocabulary fingerprint small enough to commit with the index (about 2 KB), so two tokenizers can
 * be compared without their 5-30 MB files: a MinHash of the base vocabulary's token bytes, a hash
 * per block of ids, and hashes of the structure. JSON-serialisable.
 */
import { createHash } from 'node:crypto';
import { addedTokensOf, baseKeys, canonicalJson, vocabularyView } from './compare.js';
import type { Tokenizer } from './tokenizer.js';

export const MINHASH_SIZE = 256;
export const ID_BLOCK = 2048;

export interface VocabFingerprint {
  schema: 1;
  vocabSize: number;
  /** Distinct byte strings in the base vocabulary (added tokens excluded). */
  baseSize: number;
  /** MINHASH_SIZE 32-bit minima over the base vocabulary's token bytes, little-endian, base64. */
  minhash: string;
  /** One 32-bit hash (8 hex digits) per ID_BLOCK ids of the base vocabulary (the last block may be partial), in id order. */
  idBlocks: string;
  /** 16 hex digits each; absent where the loader exposes no such structure. */
  structure: {
    modelType?: string;
    normalizer?: string;
    preTokenizer?: string;
    merges?: string;
    addedTokens: string;
  };
}

/** MurmurHash3's finaliser: a bijection on 32-bit ints with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over a byte key's char codes (each one byte), finalised. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return fmix32(h ^ key.length);
}

/** Fixed seeds: fingerprints from different runs and machines must compare. */
const SEEDS = Array.from({ length: MINHASH_SIZE }, (_, i) => [
  fmix32(0x9e3779b9 + i),
  fmix32(0x7f4a7c15 ^ Math.imul(i + 1, 0x2545f491)),
]);

function minhash(keys: Iterable<string>): Uint32Array {
  const minima = new Uint32Array(MINHASH_SIZE).fill(0xffffffff);
  for (const key of keys) {
    const x = hashKey(key);
    for (let i = 0; i < MINHASH_SIZE; i++) {
      const h = fmix32(((x ^ SEEDS[i][0]) + SEEDS[i][1]) >>> 0);
      if (h < minima[i]) minima[i] = h;
    }
  }
  return minima;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function vocabFingerprint(tokenizer: Tokenizer): VocabFingerprint {
  const view = vocabularyView(tokenizer);
  const base = baseKeys(view);
  const minima = minhash(base);

  let idBlocks = '';
  for (let start = 0; start < view.keys.length; start += ID_BLOCK) {
    let h = 0x811c9dc5;
    for (let id = start; id < Math.min(start + ID_BLOCK, view.keys.length); id++) {
      const key = view.keys[id];
      // Added-token ids are skipped, so two files that differ only in added tokens share every block.
      if (key === undefined || view.addedIds.has(id)) continue;
      h = fmix32((Math.imul(h ^ hashKey(key), 0x01000193) + id) >>> 0);
    }
    idBlocks += h.toString(16).padStart(8, '0');
  }

  const structure: VocabFingerprint['structure'] = {
    addedTokens: shortHash(
      canonicalJson([...addedTokensOf(tokenizer)].sort((x, y) => x.id - y.id).map((t) => [t.id, t.content, t.special])),
    ),
  };
  const s = tokenizer.structure;
  if (s) {
    structure.modelType = s.modelType;
    if ('normalizer' in s) structure.normalizer = shortHash(canonicalJson(s.normalizer ?? null));
    if ('preTokenizer' in s) structure.preTokenizer = shortHash(canonicalJson(s.preTokenizer ?? null));
    const mergeIds = s.mergeIds;
    if (mergeIds) {
      // By the parts' bytes, so the same merges in another vocabulary alphabet hash alike.
      const hash = createHash('sha256');
      for (let i = 0; i < mergeIds.length; i += 2) {
        const left = view.keys[mergeIds[i]] ?? '';
        const right = view.keys[mergeIds[i + 1]] ?? '';
        hash.update(`${left.length}:${left}${right.length}:${right};`, 'latin1');
      }
      structure.merges = hash.digest('hex').slice(0, 16);
    }
  }

  return {
    schema: 1,
    vocabSize: tokenizer.vocabSize,
    baseSize: base.size,
    minhash: Buffer.from(minima.buffer, minima.byteOffset, minima.byteLength).toString('base64'),
    idBlocks,
    structure,
  };
}

export interface FingerprintSimilarity {
  /** Estimated Jaccard similarity of the base vocabularies (standard error about 0.03 near 0.5). */
  jaccard: number;
  /** Estimated containment each way, from the Jaccard estimate and the two sizes. */
  aInB: number;
  bInA: number;
  /** Share of id blocks (below the smaller vocabulary) whose tokens hash alike. */
  idBlockAgreement: number;
  /** Ids below which the two agree block for block. */
  leadingIdsAgreeing: number;
  /** Per structure member: equal, different, or undefined where either side lacks it. */
  sameStructure: Record<'modelType' | 'normalizer' | 'preTokenizer' | 'merges' | 'addedTokens', boolean | undefined>;
  /**
   * What the full comparison would most likely say. `overlapping`: one vocabulary largely contains the
   * other but ids differ; only the merge order (in the files) can tell a renumbered derivative from reuse.
   */
  likely: 'identical' | 'derived' | 'overlapping' | 'unrelated';
}

function decodeMinhash(fp: VocabFingerprint): Uint32Array {
  const bytes = Buffer.from(fp.minhash, 'base64');
  if (bytes.length !== MINHASH_SIZE * 4)
    throw new Error(`fingerprint minhash holds ${bytes.length} bytes, expected ${MINHASH_SIZE * 4}`);
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** Same cut-offs as the white-box comparison (see THRESHOLDS in compare.ts), applied to estimates. */
const CONTAINMENT = 0.9;
const ID_AGREEMENT = 0.9;

export function estimateSimilarity(a: VocabFingerprint, b: VocabFingerprint): FingerprintSimilarity {
  const minA = decodeMinhash(a);
  const minB = decodeMinhash(b);
  let equal = 0;
  for (let i = 0; i < MINHASH_SIZE; i++) if (minA[i] === minB[i]) equal++;
  const jaccard = equal / MINHASH_SIZE;
  const shared = Math.min(a.baseSize, b.baseSize, (jaccard / (1 + jaccard)) * (a.baseSize + b.baseSize));
  const aInB = a.baseSize ? shared / a.baseSize : 1;
  const bInA = b.baseSize ? shared / b.baseSize : 1;

  // A last, partial block compares only when both vocabularies end at the same id.
  const blocks =
    a.vocabSize === b.vocabSize ? a.idBlocks.length / 8 : Math.floor(Math.min(a.vocabSize, b.vocabSize) / ID_BLOCK);
  let agreeing = 0;
  let leading = 0;
  for (let i = 0; i < blocks; i++) {
    if (a.idBlocks.slice(i * 8, i * 8 + 8) !== b.idBlocks.slice(i * 8, i * 8 + 8)) continue;
    agreeing++;
    if (leading === i) leading++;
  }
  const idBlockAgreement = blocks ? agreeing / blocks : 0;
  const same = (x?: string, y?: string) => (x === undefined || y === undefined ? undefined : x === y);
  const sameStructure = {
    modelType: same(a.structure.modelType, b.structure.modelType),
    normalizer: same(a.structure.normalizer, b.structure.normalizer),
    preTokenizer: same(a.structure.preTokenizer, b.structure.preTokenizer),
    merges: same(a.structure.merges, b.structure.merges),
    addedTokens: same(a.structure.addedTokens, b.structure.addedTokens),
  };

  let likely: FingerprintSimilarity['likely'] = 'unrelated';
  if (Math.max(aInB, bInA) >= CONTAINMENT) likely = idBlockAgreement >= ID_AGREEMENT ? 'derived' : 'overlapping';
  if (equal === MINHASH_SIZE && a.idBlocks === b.idBlocks && Object.values(sameStructure).every((v) => v !== false))
    likely = 'identical';
  return {
    jaccard,
    aInB,
    bInA,
    idBlockAgreement,
    leadingIdsAgreeing: Math.min(leading * ID_BLOCK, a.vocabSize, b.vocabSize),
    sameStructure,
    likely,
  };
}
