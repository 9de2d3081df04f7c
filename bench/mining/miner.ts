import type { Tokenizer } from '../../src/references/tokenizer.js';
import { seededRng, seedFromString } from '../../src/util/rng.js';
import { isFrameSafe } from '../../src/probes/frame.js';
import type { Probe } from '../../src/probes/probe.js';

export interface MinerReference {
  id: string;
  tokenizer: Tokenizer;
}

export interface MinerOptions {
  seed: number;
  /** Vocabulary entries tried per reference. */
  candidatesPerReference?: number;
  /** Probes kept per reference. */
  keepPerReference?: number;
}

const LATIN = /^[\p{Script=Latin}\p{N}\p{P}\p{S}\p{Zs}]+$/u;
const CONTROL = /[\p{Cc}\p{Cs}]/u;

/**
 * Derives probes from the references' own vocabularies: entries one tokenizer holds as a single token
 * and others split, chosen where the references disagree most on the count. Deterministic given the seed.
 */
export function mineProbes(references: readonly MinerReference[], options: MinerOptions): Probe[] {
  const candidatesPerReference = options.candidatesPerReference ?? 900;
  const keepPerReference = options.keepPerReference ?? 40;
  const specialTexts = references
    .flatMap(({ tokenizer }) => tokenizer.specialTokens.map((t) => t.content))
    .filter((t) => t.length > 1);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const taken = new Set<string>();
  const probes: Probe[] = [];
  for (const reference of references) {
    const rng = seededRng(seedFromString(reference.id, options.seed));
    const specials = new Set(reference.tokenizer.specialTokens.map((t) => t.id));
    const scored: { text: string; score: number; counts: number[]; order: number }[] = [];
    const seen = new Set<string>();
    for (let tries = 0; tries < candidatesPerReference * 3 && scored.length < candidatesPerReference; tries++) {
      const id = rng.int(0, reference.tokenizer.vocabSize - 1);
      if (specials.has(id)) continue;
      const bytes = reference.tokenizer.tokenBytes(id);
      if (!bytes || bytes.length < 4) continue;
      let text: string;
      try {
        text = decoder.decode(bytes).trim();
      } catch {
        continue; // part of a UTF-8 character: cannot be sent as text
      }
      if (seen.has(text) || taken.has(text) || !isFrameSafe(text) || CONTROL.test(text) || [...text].length < 2)
        continue;
      if (specialTexts.some((special) => text.includes(special))) continue;
      seen.add(text);
      const counts = references.map(({ tokenizer }) => tokenizer.encode(text).length);
      scored.push({ text, counts, score: disagreement(counts), order: rng.next() });
    }
    scored.sort((a, b) => b.score - a.score || a.order - b.order);
    let kept = 0;
    for (const candidate of scored) {
      if (kept >= keepPerReference || candidate.score <= 1) break;
      if (taken.has(candidate.text)) continue;
      taken.add(candidate.text);
      kept++;
      const latin = LATIN.test(candidate.text);
      probes.push({
        id: `mined-${reference.id}-${String(kept).padStart(3, '0')}`,
        text: candidate.text,
        category: latin ? 'mined-latin' : 'mined-script',
        why: `a vocabulary entry of ${reference.id}; ${describeCounts(candidate.counts)} tokens across the references`,
        source: 'mined',
        from: reference.id,
        seed: options.seed,
      });
    }
  }
  return probes;
}

/** Entropy (bits) of how the references split by count: highest when many counts are each shared by few. */
function disagreement(counts: readonly number[]): number {
  const tally = new Map<number, number>();
  for (const count of counts) tally.set(count, (tally.get(count) ?? 0) + 1);
  let entropy = 0;
  for (const n of tally.values()) {
    const p = n / counts.length;
    entropy -= p * Math.log2(p);
  }
  return entropy + (tally.size > 1 ? 1 : 0);
}

function describeCounts(counts: readonly number[]): string {
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  return min === max ? `${min}` : `${min}-${max}`;
}
