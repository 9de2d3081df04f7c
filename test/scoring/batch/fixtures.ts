import { signatureGroups, type SignatureGroup } from '../../../src/scoring/hypotheses.js';
import type { CountIndex } from '../../../src/signatures/count-index.js';
import { packTotal, type CountSignature } from '../../../src/signatures/observations.js';
import type { Rng } from '../../../src/util/rng.js';

/** A random index: classes of one or two references, counts 1-12 per probe, some references equal. */
export function randomIndex(rng: Rng, references: number, probes: number): CountIndex {
  const list = Array.from({ length: references }, (_, r) => {
    const counts = Int32Array.from({ length: probes }, () => rng.int(1, 12));
    return { id: `r${r}`, family: `f${r % 5}`, classId: `c${Math.floor(r / 2)}`, models: [], counts };
  });
  // A duplicate, so one group holds two references.
  if (references > 3) list[3].counts = list[2].counts.slice();
  const classes = [...new Set(list.map((r) => r.classId))].map((id) => ({
    id,
    family: 'f',
    members: list.filter((r) => r.classId === id).map((r) => r.id),
    models: [],
  }));
  return {
    probes: Array.from({ length: probes }, (_, i) => ({
      id: `p${i}`,
      text: `t${i}`,
      category: 'words' as const,
      why: '',
      source: 'handwritten' as const,
    })),
    references: list,
    classes,
  };
}

/**
 * Observation sets like identify's (bare frame first, disjoint packs) and some that are not (no frame,
 * overlapping or repeated probes), billed by a group exactly, with seam noise, with moved packs, or
 * by nothing indexed; from 1 to 7 requests.
 */
export function randomSignatures(
  rng: Rng,
  groups: readonly SignatureGroup[],
  probeCount: number,
  count: number,
): CountSignature[] {
  return Array.from({ length: count }, () => {
    const requests = rng.int(1, 7);
    const free = rng.next() < 0.2;
    const order = rng.shuffle(Array.from({ length: probeCount }, (_, i) => i));
    const packs = Array.from({ length: requests }, (_, k) => {
      if (k === 0 && !free) return [];
      const size = rng.int(1, Math.min(40, probeCount));
      return free ? Array.from({ length: size }, () => rng.int(0, probeCount - 1)) : order.splice(0, size);
    }).map((pack) => pack.filter((p) => p !== undefined));
    const truth = rng.pick(groups).counts;
    const offset = rng.int(0, 3000);
    const kind = rng.int(0, 3);
    const observed = packs.map((pack) => {
      const exact = packTotal(truth, pack) + offset;
      if (kind === 0) return exact;
      if (kind === 1) return exact + (rng.next() < 0.3 ? rng.int(-2, 2) : 0);
      if (kind === 2) return exact + (rng.next() < 0.5 ? rng.int(-30, 30) : 0);
      return Math.round(exact * (0.5 + rng.next() * 1.5));
    });
    return { packs, observed };
  });
}

export function groupsOf(index: CountIndex): SignatureGroup[] {
  return signatureGroups(index);
}

/**
 * Posteriors agree to this relative error (double arithmetic in another order), or to ABSOLUTE where
 * the derived likelihood is a difference of two nearly equal products and keeps fewer digits.
 */
export const RELATIVE = 1e-9;
export const ABSOLUTE = 1e-15;

export function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= RELATIVE * Math.max(Math.abs(a), Math.abs(b)) + ABSOLUTE;
}
