import ort from 'onnxruntime-node';
import type { CountSignature } from '../../signatures/observations.js';
import type { SignatureGroup } from '../hypotheses.js';
import { cachedCountMatrix, type CountMatrix } from './count-matrix.js';
import { GraphBuilder } from './graph-builder.js';

/** Output entries per run (rows x groups): bounds the float32 result to 64 MB. */
export const TOTALS_PER_RUN = 16 * 1024 * 1024;

/** One Gemm: packs [R, U] (0/1 or multiplicities) times counts [U, M]; both fed, nothing embedded. */
function totalsGraph(): Uint8Array {
  const g = new GraphBuilder();
  const packs = g.input('packs', 'float', ['R', 'U']);
  const counts = g.input('counts', 'float', ['U', 'M']);
  g.rename(g.op('Gemm', [packs, counts]), 'totals');
  g.output('totals', 'float', ['R', 'M']);
  return g.encode('pack_totals');
}

/**
 * Stage 1 of the two-stage scorer for many sets: every set's pack totals over every group as matrix
 * products on onnxruntime. Counts are small integers, so float32 sums are exact.
 */
export class OnnxPackTotals {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly matrix: CountMatrix,
    readonly groups: number,
  ) {}

  static async create(groups: readonly SignatureGroup[]): Promise<OnnxPackTotals> {
    const session = await ort.InferenceSession.create(totalsGraph(), {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 0,
    });
    return new OnnxPackTotals(session, cachedCountMatrix(groups), groups.length);
  }

  /** Calls `each(n, totals)` for every set in order, totals pack-major (entry k * M + m). */
  async forEach(signatures: readonly CountSignature[], each: (n: number, totals: Float32Array) => void): Promise<void> {
    const M = this.groups;
    let first = 0;
    while (first < signatures.length) {
      let rows = 0;
      let end = first;
      while (end < signatures.length && (end === first || (rows + signatures[end].packs.length) * M <= TOTALS_PER_RUN))
        rows += signatures[end++].packs.length;
      const batch = signatures.slice(first, end);
      const used = [...new Set(batch.flatMap((s) => s.packs.flat()))].sort((a, b) => a - b);
      const U = Math.max(1, used.length);
      const column = new Map(used.map((p, u) => [p, u]));
      const packs = new Float32Array(Math.max(1, rows) * U);
      let row = 0;
      for (const s of batch)
        for (const pack of s.packs) {
          for (const p of pack) packs[row * U + column.get(p)!] += 1;
          row++;
        }
      const counts = new Float32Array(U * M);
      used.forEach((p, u) => counts.set(this.matrix.counts.subarray(p * M, (p + 1) * M), u * M));
      const out = await this.session.run({
        packs: new ort.Tensor('float32', packs, [Math.max(1, rows), U]),
        counts: new ort.Tensor('float32', counts, [U, M]),
      });
      const totals = out.totals.data as Float32Array;
      let offset = 0;
      batch.forEach((s, b) => {
        const size = s.packs.length * M;
        each(first + b, totals.subarray(offset, offset + size));
        offset += size;
      });
      first = end;
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
