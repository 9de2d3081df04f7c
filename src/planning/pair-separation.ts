/**
 * How far apart a pack sets every pair of candidates: the sum over pairs, in a fixed order, of
 * weight x min(|gap|, margin), where gap is the difference of the two candidates' predicted totals.
 * Gaps are integers, so they are exact in any order; the sum is always taken in pair order, so the
 * same pack gives the same double however it was reached.
 */
export class PairSeparation {
  readonly count: number;
  readonly candidates: number;
  private readonly a: Int32Array;
  private readonly b: Int32Array;
  readonly weight: Float64Array;
  private readonly gaps: Float64Array;
  /** Pair indexes by |gap|, smallest first, and those |gaps|: a probe moves only pairs within its spread of the margin. */
  private byGap: Int32Array;
  private sortedGaps: Float64Array;

  constructor(
    weights: readonly number[],
    private readonly margin: number,
  ) {
    const n = weights.length;
    this.candidates = n;
    this.count = (n * (n - 1)) / 2;
    this.a = new Int32Array(this.count);
    this.b = new Int32Array(this.count);
    this.weight = new Float64Array(this.count);
    for (let x = 0, i = 0; x < n; x++) {
      for (let y = x + 1; y < n; y++, i++) {
        this.a[i] = x;
        this.b[i] = y;
        this.weight[i] = weights[x] * weights[y];
      }
    }
    this.gaps = new Float64Array(this.count);
    this.byGap = Int32Array.from({ length: this.count }, (_, i) => i);
    this.sortedGaps = new Float64Array(this.count);
    this.sortByGap();
  }

  /** The most separation there is: every pair a margin apart. */
  target(): number {
    let total = 0;
    for (let i = 0; i < this.count; i++) total += this.weight[i] * this.margin;
    return total;
  }

  /** The separation with one more probe whose counts per candidate are counts[at + g] (zeros: as it stands). */
  with(counts: Float64Array, at = 0): number {
    const { count, a, b, weight, gaps, margin } = this;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const gap = Math.abs(gaps[i] + (counts[at + a[i]] - counts[at + b[i]]));
      total += weight[i] * Math.min(gap, margin);
    }
    return total;
  }

  add(counts: Float64Array, at = 0): void {
    for (let i = 0; i < this.count; i++) this.gaps[i] += counts[at + this.a[i]] - counts[at + this.b[i]];
    this.sortByGap();
  }

  /**
   * For each probe s whose counts are counts[at[s] + g], the change of the pairs less than a margin
   * apart: the only pairs that can gain, so an upper bound on the probe's gain (up to rounding).
   */
  openGains(counts: Float64Array, at: Int32Array, out: Float64Array): void {
    const { byGap, sortedGaps, a, b, weight, gaps, margin } = this;
    const S = at.length;
    out.fill(0);
    for (let j = 0; j < this.count && sortedGaps[j] < margin; j++) {
      const i = byGap[j];
      const gap = gaps[i];
      const before = sortedGaps[j];
      const w = weight[i];
      const ga = a[i];
      const gb = b[i];
      for (let s = 0; s < S; s++) {
        const after = Math.abs(gap + (counts[at[s] + ga] - counts[at[s] + gb]));
        out[s] += w * (Math.min(after, margin) - before);
      }
    }
  }

  /**
   * What adding the probe at counts[at + g] loses on pairs at least a margin apart (at most zero): only those within
   * `spread` of the margin can come closer than it, `spread` being the largest difference between two of `counts`.
   */
  losses(counts: Float64Array, at: number, spread: number): number {
    const { byGap, sortedGaps, a, b, weight, gaps, margin } = this;
    const reach = margin + spread;
    let j = 0;
    while (j < this.count && sortedGaps[j] < margin) j++;
    let loss = 0;
    for (; j < this.count && sortedGaps[j] < reach; j++) {
      const i = byGap[j];
      const after = Math.abs(gaps[i] + (counts[at + a[i]] - counts[at + b[i]]));
      if (after < margin) loss += weight[i] * (after - margin);
    }
    return loss;
  }

  /**
   * A margin on the rounding of `with` and of `openGains` + `losses` (one rounding per term and per addition, all
   * terms at most weight x margin) and of a running total re-anchored to `with` each step: a bound plus
   * this bounds a computed gain.
   */
  roundingSlack(current: number): number {
    return (this.count + 8) * 4 * Number.EPSILON * (this.target() + Math.abs(current));
  }

  /** Insertion sort from the last order: a probe moves few gaps, so the order is nearly sorted already. */
  private sortByGap(): void {
    const { gaps, byGap, sortedGaps } = this;
    for (let j = 0; j < this.count; j++) sortedGaps[j] = Math.abs(gaps[byGap[j]]);
    for (let j = 1; j < this.count; j++) {
      const index = byGap[j];
      const key = sortedGaps[j];
      let k = j - 1;
      for (; k >= 0 && sortedGaps[k] > key; k--) {
        byGap[k + 1] = byGap[k];
        sortedGaps[k + 1] = sortedGaps[k];
      }
      byGap[k + 1] = index;
      sortedGaps[k + 1] = key;
    }
  }
}
