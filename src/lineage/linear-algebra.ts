/** Small dense linear algebra on row-major Float64Arrays, enough for a Procrustes fit on a few hundred dimensions. */

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma;
    const y = b[i] - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * Eigenvalues and eigenvectors (columns of `vectors`, row-major n×n) of a symmetric matrix by cyclic Jacobi
 * rotations: slow for large n but exact to rounding and free of dependencies.
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const x = a[i * n + j] ** 2;
        total += x;
        if (i !== j) off += x;
      }
    if (off <= 1e-22 * total) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/**
 * The orthogonal R (h×h) that best maps rows of `a` onto rows of `b` (both m×h, row-major): R = U Vᵀ for
 * C = aᵀb = U S Vᵀ, taken here as the polar factor C (CᵀC)^(-1/2) through the eigen-decomposition of CᵀC.
 */
export function procrustes(a: Float64Array, b: Float64Array, m: number, h: number): Float64Array {
  const c = new Float64Array(h * h);
  for (let r = 0; r < m; r++)
    for (let i = 0; i < h; i++) {
      const x = a[r * h + i];
      if (x === 0) continue;
      for (let j = 0; j < h; j++) c[i * h + j] += x * b[r * h + j];
    }
  const ctc = new Float64Array(h * h);
  for (let i = 0; i < h; i++)
    for (let j = i; j < h; j++) {
      let sum = 0;
      for (let k = 0; k < h; k++) sum += c[k * h + i] * c[k * h + j];
      ctc[i * h + j] = sum;
      ctc[j * h + i] = sum;
    }
  const { values, vectors } = symmetricEigen(ctc, h);
  const largest = Math.max(...values);
  // (CᵀC)^(-1/2) = V diag(1/√λ) Vᵀ, directions with no weight left out
  const inverseRoot = new Float64Array(h * h);
  for (let k = 0; k < h; k++) {
    if (values[k] <= largest * 1e-12) continue;
    const w = 1 / Math.sqrt(values[k]);
    for (let i = 0; i < h; i++) {
      const vik = vectors[i * h + k] * w;
      for (let j = 0; j < h; j++) inverseRoot[i * h + j] += vik * vectors[j * h + k];
    }
  }
  const r = new Float64Array(h * h);
  for (let i = 0; i < h; i++)
    for (let k = 0; k < h; k++) {
      const cik = c[i * h + k];
      if (cik === 0) continue;
      for (let j = 0; j < h; j++) r[i * h + j] += cik * inverseRoot[k * h + j];
    }
  return r;
}

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
