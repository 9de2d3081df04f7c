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

/** Unbiased HSIC estimate of two Gram matrices (needs n >= 4); `order` reads L's inputs reordered. */
export function hsic(k: Float64Array, l: Float64Array, n: number, order?: ArrayLike<number>): number {
  let trace = 0;
  let sumK = 0;
  let sumL = 0;
  let cross = 0;
  const rowK = new Float64Array(n);
  const rowL = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const li = (order ? order[i] : i) * n;
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const kij = k[i * n + j];
      const lij = l[li + (order ? order[j] : j)];
      trace += kij * lij;
      rowK[i] += kij;
      rowL[i] += lij;
    }
    sumK += rowK[i];
    sumL += rowL[i];
  }
  for (let i = 0; i < n; i++) cross += rowK[i] * rowL[i];
  return (trace + (sumK * sumL) / ((n - 1) * (n - 2)) - (2 * cross) / (n - 2)) / (n * (n - 3));
}

/** Debiased linear CKA of two Gram matrices over the same n inputs; 0 for a side that does not vary. */
export function linearCka(k: Float64Array, l: Float64Array, n: number): number {
  if (n < 4) throw new Error(`linear CKA needs at least 4 inputs, got ${n}`);
  const kl = hsic(k, l, n);
  const kk = hsic(k, k, n);
  const ll = hsic(l, l, n);
  if (!(kk > 0) || !(ll > 0)) return 0;
  return kl / Math.sqrt(kk * ll);
}
