import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { idKeys } from '../src/lineage/anchors.js';
import { storedWeightFingerprint } from '../src/lineage/stored-fingerprint.js';
import { compareCheckpoints, SAME_LINEAGE_THRESHOLD } from '../src/lineage/weight-lineage.js';
import { openLocalCheckpoint } from '../src/lineage/weights/checkpoint.js';
import { auc, suiteBase, suiteCases } from '../test/helpers/lineage-suite.js';
import { writeSuiteModel } from '../test/helpers/tiny-checkpoints.js';
import { ONE_B_SHAPE, writeOneBCheckpoint } from './lineage-1b.js';

const f3 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(3));
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The AUC table: every suite model against the base, through the same readers a user's files go through. */
async function suiteTable(out: (line: string) => void, log: (line: string) => void): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'tokprint-bench-lineage-'));
  try {
    const base = suiteBase();
    const reference = await writeSuiteModel(root, 'base', base, { as: 'safetensors', type: 'F32' });
    const rows: { derived: boolean; score: number }[] = [];
    out(
      '| suspect (tiny test-built models) | format | kind | embedding geometry (Mantel p) | Procrustes | layers | score | verdict | ms |',
    );
    out('|---|---|---|---|---|---|---|---|---|');
    for (const c of suiteCases(base)) {
      log(`lineage: ${c.name}`);
      const suspect = await writeSuiteModel(root, c.name, c.make(), c.format);
      const t = performance.now();
      const [a, b] = await Promise.all([openLocalCheckpoint(reference.path), openLocalCheckpoint(suspect.path)]);
      const evidence = await compareCheckpoints(a, b, reference.tokens, suspect.tokens);
      const ms = performance.now() - t;
      await Promise.all([a.close(), b.close()]);
      rows.push({ derived: c.derived, score: evidence.score });
      const format =
        c.format.as === 'gguf'
          ? `GGUF ${c.format.type}`
          : `safetensors ${c.format.type}${(c.format.shards ?? 1) > 1 ? `, ${c.format.shards} shards` : ''}`;
      const k = evidence.components;
      out(
        `| ${c.name} | ${format} | ${c.derived ? 'derived' : 'independent'} | ${f3(k.embeddingGeometry)} (${f3(evidence.pValues.embeddingGeometry)}) | ${f3(k.embeddingProcrustes)} | ${f3(k.layerInvariants)} | ${f3(evidence.score)} | ${evidence.verdict} | ${ms.toFixed(0)} |`,
      );
    }
    const lowest = Math.min(...rows.filter((r) => r.derived).map((r) => r.score));
    const highest = Math.max(...rows.filter((r) => !r.derived).map((r) => r.score));
    const correct = rows.filter((r) => r.score >= SAME_LINEAGE_THRESHOLD === r.derived).length;
    out('');
    out(
      `AUC ${auc(rows).toFixed(3)}; lowest derived ${f3(lowest)}, highest independent ${f3(highest)}; threshold ${SAME_LINEAGE_THRESHOLD}: ${correct}/${rows.length} verdicts right`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The stored fingerprint of a synthetic 1B-parameter sharded checkpoint: bytes read and seconds. */
async function oneB(out: (line: string) => void, log: (line: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tokprint-bench-1b-'));
  try {
    log('lineage: writing a sparse 1B-parameter checkpoint');
    const t0 = performance.now();
    const { parameters, bytes } = await writeOneBCheckpoint(dir);
    const writeMs = performance.now() - t0;
    const shard = await stat(join(dir, 'model-00001-of-00004.safetensors'));
    log(
      `lineage: written in ${(writeMs / 1000).toFixed(1)} s (first shard ${mb(shard.size)}, ${mb(shard.blocks * 512)} on disk)`,
    );
    const t = performance.now();
    const checkpoint = await openLocalCheckpoint(dir);
    const fingerprint = await storedWeightFingerprint(checkpoint, idKeys(ONE_B_SHAPE.vocab));
    const seconds = (performance.now() - t) / 1000;
    const read = checkpoint.bytesRead();
    await checkpoint.close();
    const size = Buffer.byteLength(JSON.stringify(fingerprint));
    out('');
    out('| checkpoint | parameters | bytes | bytes read | share read | fingerprint | seconds |');
    out('|---|---|---|---|---|---|---|');
    out(
      `| synthetic Llama-style, 4 BF16 safetensors shards | ${(parameters / 1e9).toFixed(2)} B | ${mb(bytes)} | ${mb(read)} | ${((100 * read) / bytes).toFixed(2)}% | ${(size / 1024).toFixed(0)} KiB JSON, ${fingerprint.layers.length} layers x ${fingerprint.layers[0]?.heads.length} heads | ${seconds.toFixed(2)} |`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `npm run bench -- lineage [--suite-only | --1b-only]` */
export async function lineage(args: string[], out: (line: string) => void, log: (line: string) => void): Promise<void> {
  if (!args.includes('--1b-only')) await suiteTable(out, log);
  if (!args.includes('--suite-only')) await oneB(out, log);
  // activation rows need onnxruntime-node, an optional dependency: --weights-only leaves them out
  if (!args.includes('--weights-only') && !args.includes('--1b-only') && !args.includes('--suite-only'))
    await (await import('./lineage-activations.js')).lineageActivations(args, out, log);
}
