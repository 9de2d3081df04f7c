import type { Probe } from '../probes/probe.js';
import type { Tokenizer } from '../references/tokenizer.js';
import { buildCountSignatures, type CountSignatures } from './count-signatures.js';

/**
 * Adds references' counts to built signatures without recounting the references already there. The
 * new tokenizers are checked on the kept probes only; a probe that is not additive for one of them is
 * dropped for all, which needs no recount either.
 */
export function extendCountSignatures(
  base: CountSignatures,
  tokenizers: ReadonlyMap<string, Tokenizer>,
  pool: readonly Probe[],
): CountSignatures {
  const kept = new Set(base.probes);
  const built = buildCountSignatures(
    tokenizers,
    pool.filter((probe) => kept.has(probe.id)),
  );
  const stillKept = new Set(built.probes);
  const keep = base.probes.map((id) => stillKept.has(id));
  return {
    ...base,
    probes: base.probes.filter((_, i) => keep[i]),
    references: [
      ...base.references.map((reference) => ({ ...reference, counts: reference.counts.filter((_, i) => keep[i]) })),
      ...built.references,
    ],
    dropped: [...base.dropped, ...built.dropped],
  };
}

/** Whether two references count every kept probe, and the empty frame, alike. */
export function sameCounts(signatures: CountSignatures, a: string, b: string): boolean {
  const first = signatures.references.find((r) => r.id === a);
  const second = signatures.references.find((r) => r.id === b);
  if (!first || !second || first.frame !== second.frame) return false;
  return first.counts.every((count, i) => count === second.counts[i]);
}
