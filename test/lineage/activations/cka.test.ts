import { describe, expect, it } from 'vitest';
import { gram, linearCka } from '../../../src/lineage/activations/cka.js';
import { alignedLayer } from '../../../src/lineage/activations/compare-activations.js';
import { seededRng } from '../../../src/util/rng.js';

const N = 200;

function randomRows(seed: number, n: number, d: number): Float64Array {
  const random = seededRng(seed).next;
  return Float64Array.from({ length: n * d }, () => random() * 2 - 1);
}

/** rows x M for a d x e matrix M. */
function project(rows: Float64Array, n: number, d: number, m: Float64Array, e: number): Float64Array {
  const out = new Float64Array(n * e);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) for (let j = 0; j < e; j++) out[i * e + j] += rows[i * d + k] * m[k * e + j];
  return out;
}

/** A random orthogonal d x d matrix (Gram-Schmidt on seeded random columns). */
function orthogonal(seed: number, d: number): Float64Array {
  const m = randomRows(seed, d, d);
  for (let j = 0; j < d; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += m[i * d + j] * m[i * d + p];
      for (let i = 0; i < d; i++) m[i * d + j] -= dot * m[i * d + p];
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += m[i * d + j] ** 2;
    for (let i = 0; i < d; i++) m[i * d + j] /= Math.sqrt(norm);
  }
  return m;
}

const cka = (x: Float64Array, dx: number, y: Float64Array, dy: number) => linearCka(gram(x, N, dx), gram(y, N, dy), N);

describe('debiased linear CKA', () => {
  const x = randomRows(1, N, 16);

  it('is 1 for the same states rotated and scaled', () => {
    const rotated = project(x, N, 16, orthogonal(2, 16), 16).map((v) => v * 7.5);
    expect(cka(x, 16, rotated, 16)).toBeCloseTo(1, 10);
  });

  it('compares states of different widths: a wider linear embedding of the same states scores 1', () => {
    const rotation = orthogonal(3, 40);
    const padded = new Float64Array(16 * 40);
    for (let i = 0; i < 16; i++) for (let j = 0; j < 40; j++) padded[i * 40 + j] = rotation[i * 40 + j];
    expect(cka(x, 16, project(x, N, 16, padded, 40), 40)).toBeCloseTo(1, 10);
  });

  it('stays near 0 for unrelated states, however wide, and falls as noise is added', () => {
    for (const width of [16, 64, 256])
      expect(Math.abs(cka(x, 16, randomRows(4 + width, N, width), width))).toBeLessThan(0.08);
    const noisy = (size: number) => {
      const noise = randomRows(9, N, 16);
      return x.map((v, i) => v + size * noise[i]);
    };
    const scores = [0.3, 1, 3].map((size) => cka(x, 16, noisy(size), 16));
    expect(scores[0]).toBeGreaterThan(scores[1]);
    expect(scores[1]).toBeGreaterThan(scores[2]);
  });

  it('gives 0 when a side does not vary and refuses fewer than 4 inputs', () => {
    expect(cka(x, 16, new Float64Array(N * 4).fill(3), 4)).toBe(0);
    expect(() => linearCka(new Float64Array(9), new Float64Array(9), 3)).toThrow(/at least 4 inputs/);
  });
});

describe('layers aligned by relative depth', () => {
  it('maps each layer of A to the layer of B at the same fraction of its depth', () => {
    expect([0, 1, 2, 3, 4].map((i) => alignedLayer(i, 4, 4))).toEqual([0, 1, 2, 3, 4]);
    expect([0, 1, 2, 3, 4].map((i) => alignedLayer(i, 4, 8))).toEqual([0, 2, 4, 6, 8]);
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => alignedLayer(i, 6, 2))).toEqual([0, 0, 1, 1, 1, 2, 2]);
  });
});
