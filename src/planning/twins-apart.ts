import { packBoundsUnderNoise } from './noise-packs.js';
import { PACK_TOKENS } from './pack-size.js';
import type { Verdict } from '../scoring/verdict.js';
import type { CountIndex } from '../signatures/count-index.js';

/**
 * Near twins of one family differ on a handful of probes by a token or so. Under a measured spread no request can
 * part them once every probe not yet sent, all in one pack, would set them apart by less than the noise margin:
 * asking on until the budget runs out buys nothing, so a match naming them together may stand at once.
 */
export function twinsBeyondReach(verdict: Verdict, index: CountIndex, used: ReadonlySet<number>, spread: number) {
  if (verdict.status !== 'match' || !verdict.twins?.length || !verdict.reference) return false;
  const counts = (id: string) => index.references.find((r) => r.id === id)?.counts;
  const leader = counts(verdict.reference);
  if (!leader) return false;
  const { margin } = packBoundsUnderNoise(PACK_TOKENS, spread);
  return verdict.twins.every((twin) => {
    const other = counts(twin);
    if (!other) return false;
    let apart = 0;
    for (let p = 0; p < index.probes.length; p++) if (!used.has(p)) apart += Math.abs(leader[p] - other[p]);
    return apart < margin;
  });
}
