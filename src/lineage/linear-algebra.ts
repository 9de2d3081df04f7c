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

/** The inverse of an n×n row-major matrix by Gauss-Jordan elimination with partial pivoting; undefined when singular. */
export function invert(matrix: Float64Array, n: number): Float64Array | undefined {
  const a = Float64Array.from(matrix);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    const p = a[pivot * n + col];
    if (!Number.isFinite(p) || Math.abs(p) < 1e-300) return undefined;
    if (pivot !== col)
      for (let k = 0; k < n; k++) {
        [a[col * n + k], a[pivot * n + k]] = [a[pivot * n + k], a[col * n + k]];
        [inv[col * n + k], inv[pivot * n + k]] = [inv[pivot * n + k], inv[col * n + k]];
      }
    for (let k = 0; k < n; k++) {
      a[col * n + k] /= p;
      inv[col * n + k] /= p;
    }
    for (let r = 0; r < n; r++) {
      const f = a[r * n + col];
      if (r === col || f === 0) continue;
      for (let k = 0; k < n; k++) {
        a[r * n + k] -= f * a[col * n + k];
        inv[r * n + k] -= f * inv[col * n + k];
      }
    }
  }
  return inv;
}

const frobenius = (m: Float64Array) => Math.sqrt(m.reduce((sum, x) => sum + x * x, 0));

/**
 * The orthogonal factor of the polar decomposition C = Q·P by scaled Newton iteration
 * (X ← ½(γX + X⁻ᵀ/γ), γ = √(‖X⁻¹‖/‖X‖)), which converges quadratically; Q = U Vᵀ for C = U S Vᵀ.
 */
export function polarFactor(c: Float64Array, n: number): Float64Array | undefined {
  let x = Float64Array.from(c);
  for (let step = 0; step < 100; step++) {
    const inv = invert(x, n);
    if (!inv) return undefined;
    const gamma = step < 20 ? Math.sqrt(frobenius(inv) / frobenius(x)) : 1;
    const next = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) next[i * n + j] = 0.5 * (gamma * x[i * n + j] + inv[j * n + i] / gamma);
    let change = 0;
    for (let i = 0; i < n * n; i++) change += (next[i] - x[i]) ** 2;
    x = next;
    if (Math.sqrt(change) < 1e-10 * Math.sqrt(n)) break;
  }
  return x;
}

/**
 * The orthogonal R (h×h) that best maps rows of `a` onto rows of `b` (both m×h, row-major), minimising
 * ‖aR − b‖: the polar factor of aᵀb. Undefined when aᵀb is singular (too few rows for the width).
 */
export function procrustes(a: Float64Array, b: Float64Array, m: number, h: number): Float64Array | undefined {
  const c = new Float64Array(h * h);
  for (let r = 0; r < m; r++)
    for (let i = 0; i < h; i++) {
      const x = a[r * h + i];
      if (x === 0) continue;
      for (let j = 0; j < h; j++) c[i * h + j] += x * b[r * h + j];
    }
  return polarFactor(c, h);
}

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
