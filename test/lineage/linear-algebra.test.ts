import { describe, expect, it } from 'vitest';
import { invert, pearson, polarFactor, procrustes } from '../../src/lineage/linear-algebra.js';
import { seededRng } from '../../src/util/rng.js';

const rng = seededRng(5);
const random = (n: number) => Float64Array.from({ length: n }, () => rng.next() * 2 - 1);

function multiply(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) out[i * n + j] += a[i * k + t] * b[t * n + j];
  return out;
}

describe('linear algebra for the Procrustes fit', () => {
  it('inverts a random matrix', () => {
    const n = 12;
    const a = random(n * n);
    const product = multiply(a, invert(a, n)!, n, n, n);
    product.forEach((x, i) => expect(x).toBeCloseTo(i % (n + 1) === 0 ? 1 : 0, 9));
  });

  it('gives an orthogonal polar factor', () => {
    const n = 16;
    const q = polarFactor(random(n * n), n)!;
    const qtq = multiply(
      Float64Array.from({ length: n * n }, (_, i) => q[(i % n) * n + Math.floor(i / n)]),
      q,
      n,
      n,
      n,
    );
    qtq.forEach((x, i) => expect(x).toBeCloseTo(i % (n + 1) === 0 ? 1 : 0, 8));
  });

  it('recovers the rotation that maps one set of rows onto another', () => {
    const m = 80;
    const h = 16;
    const rotation = polarFactor(random(h * h), h)!;
    const a = random(m * h);
    const found = procrustes(a, multiply(a, rotation, m, h, h), m, h)!;
    found.forEach((x, i) => expect(x).toBeCloseTo(rotation[i], 8));
  });

  it('gives the Pearson correlation, and 0 for a constant side', () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3], [5, 5, 5])).toBe(0);
  });
});
