import { seamNoise } from '../noise.js';
import { DERIVED_SCALES, movedNoise } from '../noise.js';

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
 * The derived factor of a touched pack predicted at `predicted`, for any untouched share U and direction:
 *   U * seam(e) + (1 - U) * moved(e)  <=  max(seam(e), moved(e)),
 * moved being the one-sided move (the largest direction for e != 0; every direction is 0 at e = 0).
 * From three tokens on, moved decays geometrically at the larger of its two scales' ratios, so with
 * rate = max(that ratio, seam rate) the leads over e = 1..3 bound every e >= 1.
 */
export function derivedEnvelope(predicted: number): Envelope {
  const { small, large, floor } = DERIVED_SCALES;
  const q = Math.max(
    Math.exp(-1 / Math.max(floor, small * predicted, 0.5)),
    Math.exp(-1 / Math.max(floor, large * predicted, 0.5)),
  );
  const rate = Math.max(q, SEAM.rate);
  let lead = SEAM.tailLead;
  for (let e = 1; e <= 3; e++) lead = Math.max(lead, movedNoise(e, predicted, 1) / rate ** e);
  return { atZero: SEAM.atZero, lead: Math.log(lead), slope: Math.log(rate) };
}

/**
 * Arrays indexed by integer prediction, grown (to at least twice their size) as larger predictions are
 * met; `fill(p)` writes entry p of each.
 */
export abstract class PredictionTable {
  private size = 0;

  protected constructor(private readonly columns: readonly string[]) {}

  /** Makes entries 0..max available. */
  ensure(max: number): void {
    if (max < this.size) return;
    const next = Math.max(max + 1, this.size * 2, 1024);
    const arrays = this as unknown as Record<string, Float64Array>;
    for (const name of this.columns) {
      const grown = new Float64Array(next);
      grown.set(arrays[name]);
      arrays[name] = grown;
    }
    for (let p = this.size; p < next; p++) this.fill(p);
    this.size = next;
  }

  protected abstract fill(p: number): void;
}

/** Derived envelopes by integer prediction, filled as predictions are met. */
export class DerivedTable extends PredictionTable {
  atZero = new Float64Array(0);
  lead = new Float64Array(0);
  slope = new Float64Array(0);

  constructor() {
    super(['atZero', 'lead', 'slope']);
  }

  protected fill(p: number): void {
    const e = derivedEnvelope(p);
    this.atZero[p] = e.atZero;
    this.lead[p] = e.lead;
    this.slope[p] = e.slope;
  }
}
