import { seamNoise, twoSidedGeometric } from '../noise.js';
import { DERIVED_SCALE, UNTOUCHED_PACK } from '../posterior.js';

/**
 * Log-envelopes of the per-pack factors of the count posterior: for an error e,
 *   factor(0) = exp(atZero), factor(e) <= exp(lead + |e| * slope) for e != 0 (slope < 0).
 * The seam-noise factor and the derived mixture decay geometrically, so a product over packs is
 * bounded by an offset-free function of the residuals (see `pairBound`).
 */
export interface Envelope {
  atZero: number;
  lead: number;
  slope: number;
}

/** Errors over which the rate of seamNoise is measured; beyond it seamNoise is one geometric tail. */
export const SEAM_CHECKED = 256;

/** The posterior's floor on the derived scale, `Math.max(3, DERIVED_SCALE * predicted)` there. */
export const DERIVED_SCALE_FLOOR = 3;

function seamEnvelope(): Envelope & { rate: number; tailLead: number } {
  // rate = the largest step ratio seamNoise(e + 1) / seamNoise(e) for e >= 1, so seamNoise(e) <= seamNoise(1) * rate^(e - 1).
  let rate = 0;
  for (let e = 1; e < SEAM_CHECKED; e++) rate = Math.max(rate, seamNoise(e + 1) / seamNoise(e));
  const tailLead = seamNoise(1) / rate;
  return { atZero: Math.log(seamNoise(0)), lead: Math.log(tailLead), slope: Math.log(rate), rate, tailLead };
}

export const SEAM = seamEnvelope();

/** The envelope of an empty pack's factor (seam noise only, in both match and derived). */
export const SEAM_ENVELOPE: Envelope = { atZero: SEAM.atZero, lead: SEAM.lead, slope: SEAM.slope };

/**
 * The part of a touched pack's derived factor in which the pack still fits its base exactly:
 * UNTOUCHED_PACK * seam(e). The derived likelihood counts only offsets at which some touched pack does.
 */
export const FITTING_ENVELOPE: Envelope = { atZero: Math.log(UNTOUCHED_PACK) + SEAM.atZero, lead: Math.log(UNTOUCHED_PACK) + SEAM.lead, slope: SEAM.slope };

/**
 * The derived factor of a touched pack predicted at `predicted`:
 *   U * seam(e) + (1 - U) * g(e),   g = twoSidedGeometric(., s), s = max(floor, DERIVED_SCALE * predicted).
 * With q = g(1)/g(0) and rate = max(q, seam rate): for e >= 1, seam(e) <= tailLead * rate^e and
 * g(e) = g(1) q^(e-1) <= (g(1) / rate) rate^e.
 */
export function derivedEnvelope(predicted: number): Envelope {
  const scale = Math.max(DERIVED_SCALE_FLOOR, DERIVED_SCALE * predicted);
  const g0 = twoSidedGeometric(0, scale);
  const g1 = twoSidedGeometric(1, scale);
  const rate = Math.max(g1 / g0, SEAM.rate);
  const atZero = UNTOUCHED_PACK * seamNoise(0) + (1 - UNTOUCHED_PACK) * g0;
  const lead = UNTOUCHED_PACK * SEAM.tailLead + (1 - UNTOUCHED_PACK) * (g1 / rate);
  return { atZero: Math.log(atZero), lead: Math.log(lead), slope: Math.log(rate) };
}

/** Derived envelopes by integer prediction, filled as predictions are met. */
export class DerivedTable {
  atZero = new Float64Array(0);
  lead = new Float64Array(0);
  slope = new Float64Array(0);

  /** Makes entries 0..max available. */
  ensure(max: number): void {
    const size = this.atZero.length;
    if (max < size) return;
    const next = Math.max(max + 1, size * 2, 1024);
    const grow = (old: Float64Array) => {
      const a = new Float64Array(next);
      a.set(old);
      return a;
    };
    this.atZero = grow(this.atZero);
    this.lead = grow(this.lead);
    this.slope = grow(this.slope);
    for (let p = size; p < next; p++) {
      const e = derivedEnvelope(p);
      this.atZero[p] = e.atZero;
      this.lead[p] = e.lead;
      this.slope[p] = e.slope;
    }
  }
}
