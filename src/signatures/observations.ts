import type { CountIndex } from './count-index.js';

/** One request as sent and what the target billed for it. */
export interface Observation {
  seq: number;
  /** Probe ids in the request body, in order; empty for the bare frame. */
  probes: string[];
  promptTokens: number;
}

/**
 * The count signature of a target: for each request, which probes it held and the billed count.
 * Counts carry an unknown constant (template, hidden prompt), so only their differences are evidence.
 */
export interface CountSignature {
  packs: number[][];
  observed: number[];
  /** Per request, the chance a derived tokenizer's changes miss its probes; absent means one share for every pack. */
  untouched?: number[];
  /** Per request, the reference a core check was planned for (null for any other pack): its own class reads it as one. */
  coreOf?: (string | null)[];
  /** How far identical requests' counts moved between them, each time they were asked again (a hidden prompt that changes); absent when never. */
  moves?: number[];
}

export function countSignature(observations: readonly Observation[], index: CountIndex): CountSignature {
  const position = new Map(index.probes.map((probe, i) => [probe.id, i]));
  return {
    packs: observations.map((o) => o.probes.map((id) => position.get(id)!)),
    observed: observations.map((o) => o.promptTokens),
  };
}

/** What a reference's counts predict for a pack, relative to the bare frame. */
export function packTotal(counts: Int32Array, pack: readonly number[]): number {
  let total = 0;
  for (const p of pack) total += counts[p];
  return total;
}
