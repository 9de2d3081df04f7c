/**
 * Linear CKA between two representations of the same n inputs (rows), compared through their n x n
 * Gram matrices, so the two sides may have any widths. The debiased HSIC estimator (Song et al. 2012)
 * is used: with plain HSIC, two unrelated representations wider than a few dozen units already score
 * high on a few hundred inputs, which would blur the line between related and unrelated models.
 */

/** X X^T for n rows of width d, row-major. */
export function gram(rows: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = i * d;
    for (let j = i; j < n; j++) {
      const b = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += rows[a + k] * rows[b + k];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/** A Gram matrix with its diagonal zeroed, its row sums and total: what the debiased estimator reads. */
export interface HsicTerms {
  offDiagonal: Float64Array;
  rowSums: Float64Array;
  sum: number;
}

export function hsicTerms(k: Float64Array, n: number): HsicTerms {
  const offDiagonal = Float64Array.from(k);
  const rowSums = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    offDiagonal[i * n + i] = 0;
    let row = 0;
    for (let j = 0; j < n; j++) row += offDiagonal[i * n + j];
    rowSums[i] = row;
    sum += row;
  }
  return { offDiagonal, rowSums, sum };
}

/**
 * Unbiased HSIC estimate (needs n >= 4); `order` pairs input i of K with input order[i] of L, which is how
 * the permutation null is drawn without copying L.
 */
export function hsic(k: HsicTerms, l: HsicTerms, n: number, order?: ArrayLike<number>): number {
  const a = k.offDiagonal;
  const b = l.offDiagonal;
  let trace = 0;
  let cross = 0;
  for (let i = 0; i < n; i++) {
    const ai = i * n;
    const pi = order ? order[i] : i;
    const bi = pi * n;
    let s = 0;
    if (order) for (let j = 0; j < n; j++) s += a[ai + j] * b[bi + order[j]];
    else for (let j = 0; j < n; j++) s += a[ai + j] * b[bi + j];
    trace += s;
    cross += k.rowSums[i] * l.rowSums[pi];
  }
  return (trace + (k.sum * l.sum) / ((n - 1) * (n - 2)) - (2 * cross) / (n - 2)) / (n * (n - 3));
}

/** Debiased linear CKA of two Gram matrices over the same n inputs; 0 for a side that does not vary. */
export function linearCka(k: Float64Array, l: Float64Array, n: number): number {
  if (n < 4) throw new Error(`linear CKA needs at least 4 inputs, got ${n}`);
  const tk = hsicTerms(k, n);
  const tl = hsicTerms(l, n);
  const kl = hsic(tk, tl, n);
  const kk = hsic(tk, tk, n);
  const ll = hsic(tl, tl, n);
  if (!(kk > 0) || !(ll > 0)) return 0;
  return kl / Math.sqrt(kk * ll);
}
