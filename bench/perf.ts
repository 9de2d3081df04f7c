import { performance } from 'node:perf_hooks';
import { committedIndexDir, loadCatalog } from '../src/references/catalog.js';
import { createTokenizer } from '../src/references/formats/index.js';
import { fetchReferenceFiles } from '../src/references/load-reference.js';
import { cacheDir } from '../src/references/store/cache-dir.js';
import { buildCountSignatures } from '../src/signatures/count-signatures.js';
import { readProbePool } from '../src/probes/pool-file.js';
import { probePoolDir } from '../src/signatures/index-section.js';
import { loadCountIndex } from '../src/signatures/load-count-index.js';
import type { CountIndex } from '../src/signatures/count-index.js';
import { packTotal, type CountSignature } from '../src/signatures/observations.js';
import { signatureGroups, type SignatureGroup } from '../src/scoring/hypotheses.js';
import { identify } from '../src/run/driver.js';
import { DEFAULT_BUDGET } from '../src/scoring/identify.js';
import { OPENINGS } from '../src/planning/opening.js';
import { posterior } from '../src/scoring/posterior.js';
import { cachedCountMatrix, countMatrix } from '../src/scoring/batch/count-matrix.js';
import { scoreBatch, scorePosterior } from '../src/scoring/batch/engine.js';
import { PLANNING_TOLERANCE, type PrunedPosterior } from '../src/scoring/batch/prefilter.js';
import { groupClusters } from '../src/scoring/batch/group-clusters.js';
import { simulatedTarget } from '../src/targets/sim-target.js';
import { chatTemplate } from '../src/targets/chat-templates.js';
import type { Target } from '../src/targets/target.js';
import { seededRng, type Rng } from '../src/util/rng.js';
import { channelWork } from './channel-work.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(runs: number, f: () => unknown): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}
const fmt = (ms: number) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms`;

/** Synthetic groups: real count signatures with about one probe in ten moved by a token. */
function syntheticGroups(real: readonly SignatureGroup[], size: number, rng: Rng): SignatureGroup[] {
  return Array.from({ length: size }, (_, i) => {
    const base = real[i % real.length];
    if (i < real.length) return base;
    const counts = base.counts.map((c) => (rng.next() < 0.1 ? Math.max(1, c + (rng.next() < 0.5 ? -1 : 1)) : c));
    return { ...base, references: [`${base.references[0]}~${i}`], counts, weight: 1 / size };
  });
}

/** Identify-like observation sets: a bare frame and five packs of 45 probes billed by one group. */
function signatures(groups: readonly SignatureGroup[], count: number, rng: Rng): CountSignature[] {
  const P = groups[0].counts.length;
  return Array.from({ length: count }, () => {
    const order = rng.shuffle(Array.from({ length: P }, (_, i) => i));
    const packs = [[], ...Array.from({ length: 5 }, (_, k) => order.slice(k * 45, k * 45 + 45))];
    const truth = rng.pick(groups).counts;
    const offset = rng.int(0, 3000);
    return { packs, observed: packs.map((pack) => packTotal(truth, pack) + offset) };
  });
}

export async function perf(args: string[], out: (line: string) => void, log: (line: string) => void): Promise<void> {
  const started = performance.now();
  const references = Number(args[args.indexOf('--references') + 1] || 3);
  const rng = seededRng(99);
  const catalog = await loadCatalog({ env: { ...process.env, TOKPRINT_HOME: '/nonexistent-tokprint-home' } });
  const facts = catalog.entries.map(({ entry }) => entry);
  const load = () => loadCountIndex({ indexDir: committedIndexDir(), poolDir: probePoolDir(), facts });
  const index = await load();
  const real = signatureGroups(index);
  out(`tokprint perf: ${index.references.length} references, ${real.length} groups, ${index.probes.length} probes`);
  out(`load committed index (median of 7): ${fmt(await time(7, load))}  [target < 300 ms]`);
  await overheadPerRequest(catalog.entries, index, out);
  const cacheRoot = process.env.TOKPRINT_CACHE ?? cacheDir();
  const byId = new Map(catalog.entries.map(({ entry }) => [entry.id, entry]));
  const loadTokenizer = async (id: string) => {
    const entry = byId.get(id);
    return entry && createTokenizer(entry.format, await fetchReferenceFiles(entry, { cacheRoot }), entry.tiktoken);
  };
  const qwen = await loadTokenizer('qwen2.5');
  if (qwen) await channelWork(index, 'qwen2.5', qwen, loadTokenizer, out);

  // Index build and encode speed on a few real references.
  const pool = readProbePool(probePoolDir());
  const corpus = pool
    .map((p) => p.text)
    .join('\n')
    .repeat(4);
  const mb = Buffer.byteLength(corpus) / 1e6;
  for (const { entry } of catalog.entries.filter((e) => e.entry.format === 'hf-json').slice(0, references)) {
    try {
      const files = await fetchReferenceFiles(entry, { cacheRoot });
      const t0 = performance.now();
      const tokenizer = createTokenizer(entry.format, files, entry.tiktoken);
      const loadMs = performance.now() - t0;
      const build = await time(1, () => buildCountSignatures(new Map([[entry.id, tokenizer]]), pool));
      const encode = await time(3, () => tokenizer.encode(corpus));
      out(
        `index build ${entry.id}: load ${fmt(loadMs)}, count signatures over ${pool.length} probes ${fmt(build)}; encode ${(mb / (encode / 1000)).toFixed(2)} MB/s (${mb.toFixed(2)} MB mixed pool text)`,
      );
    } catch (error) {
      log(`warning: skipping ${entry.id}: ${(error as Error).message}`);
    }
  }

  // Single-target latency through the engine rescore uses: the exact posterior against the two-stage
  // scorer (pack totals from the count matrix), medians over observation sets billed by different groups
  // (how much can be left out depends on which). The count matrix and the clusters of close groups are
  // built once per group list, like loading the index, and timed apart. identify plans with a tighter
  // tolerance (PLANNING_TOLERANCE), timed in its own column.
  out('\nsingle target (frame + 5 packs of 45 probes), median over observation sets:');
  out(
    `references | exact posterior | two-stage js | js at ${PLANNING_TOLERANCE} (planning) | kept groups | exact/js | count matrix, clusters (once)`,
  );
  for (const size of [30, 1000, 10_000, 100_000]) {
    const groups = size <= real.length ? real : syntheticGroups(real, size, rng);
    const sets = signatures(groups, size >= 100_000 ? 5 : 11, rng);
    const matrixMs = await time(1, () => countMatrix(groups));
    const clustersMs = await time(1, () => groupClusters(groups));
    cachedCountMatrix(groups);
    // One untimed call first: the timings are of a warm process, as in a run after its first request.
    scorePosterior(sets[0], groups, 'js');
    const js: number[] = [];
    const planning: number[] = [];
    const kept: number[] = [];
    for (const signature of sets) {
      js.push(await time(1, () => scorePosterior(signature, groups, 'js')));
      planning.push(await time(1, () => scorePosterior(signature, groups, 'js', PLANNING_TOLERANCE)));
      kept.push((scorePosterior(signature, groups, 'js') as PrunedPosterior).kept.length);
    }
    const exactMs: number[] = [];
    for (const signature of sets.slice(0, size >= 100_000 ? 1 : 3))
      exactMs.push(await time(1, () => posterior(signature, groups)));
    const exact = median(exactMs);
    const row = [
      fmt(exact).padStart(15),
      fmt(median(js)).padStart(12),
      fmt(median(planning)).padStart(25),
      `${median(kept)} (${Math.min(...kept)}-${Math.max(...kept)})`.padStart(11),
    ];
    out(
      `${String(size).padStart(10)} | ${row.join(' | ')} | ${(exact / median(js)).toFixed(1).padStart(7)}x | ${fmt(matrixMs)}, ${fmt(clustersMs)}`,
    );
  }
  out('  [targets: < 20 ms at 10k, < 200 ms at 100k]');

  // Batch at N = 1000 sets over M = 10k references, side by side in this run: the plain path (the live
  // posterior per set, timed on a sample of sets) and the two-stage scorer (median of 3 runs).
  const groups = syntheticGroups(real, 10_000, rng);
  const plainSets = signatures(groups, 10, rng);
  const batchSets = signatures(groups, 1000, rng);
  const plainMs = (await time(1, () => scoreBatch(plainSets, groups, 'exact'))) / plainSets.length;
  cachedCountMatrix(groups);
  const twoStage: number[] = [];
  for (let run = 0; run < 3; run++)
    twoStage.push((await time(1, () => scoreBatch(batchSets, groups, 'js'))) / batchSets.length);
  const jsMs = median(twoStage);
  out(
    `\nbatch, N=${batchSets.length} sets over 10k references, per set: plain js (live posterior, ${plainSets.length} sets) ${fmt(plainMs)}; two-stage js ${fmt(jsMs)}`,
  );
  out(
    `  N=${batchSets.length} in all: plain js ${((plainMs * batchSets.length) / 1000).toFixed(0)} s projected, two-stage js ${((jsMs * batchSets.length) / 1000).toFixed(1)} s; two-stage ${(plainMs / jsMs).toFixed(0)}x the plain path`,
  );

  out(
    `peak memory (max RSS): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; total ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

/**
 * tokprint's own time per request: identify runs on a simulated target, less the time inside the target.
 * Measured right after the committed index loads, before the synthetic indexes fill the heap. The first run
 * of a process also compiles the planner and designs its opening, so it is shown apart; so are the runs
 * after the process has drawn most of the openings (OPENINGS per index, designed when first drawn), which is
 * what a batch of many targets pays.
 */
async function overheadPerRequest(
  entries: Awaited<ReturnType<typeof loadCatalog>>['entries'],
  index: CountIndex,
  out: (line: string) => void,
): Promise<void> {
  const first = entries.find((e) => e.entry.format === 'hf-json');
  if (!first) return;
  const files = await fetchReferenceFiles(first.entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() });
  const tokenizer = createTokenizer(first.entry.format, files, first.entry.tiktoken);
  const sim = simulatedTarget({
    id: 'perf',
    description: 'perf',
    tokenizer,
    template: chatTemplate('chatml'),
    hiddenSystemPrompt: '',
  });
  const per: number[] = [];
  const settled = 5 * OPENINGS;
  for (let i = 0; i < settled + 15; i++) {
    let inside = 0;
    const target: Target = {
      ...sim,
      send: async (request) => {
        const t = performance.now();
        const r = await sim.send(request);
        inside += performance.now() - t;
        return r;
      },
    };
    const t = performance.now();
    const result = await identify({ target, index, budget: DEFAULT_BUDGET, rng: seededRng(i + 1) });
    per.push((performance.now() - t - inside) / result.queries);
  }
  const [cold, ...warm] = per.slice(0, 16);
  const late = per.slice(settled);
  out(
    `overhead per request (identify on sim:${first.entry.id}, target time subtracted): first run of the process ${fmt(cold)}; median of the next ${warm.length} runs ${fmt(median(warm))} (${fmt(Math.min(...warm))} to ${fmt(Math.max(...warm))}); median of runs ${settled + 1}-${per.length} ${fmt(median(late))} (${fmt(Math.min(...late))} to ${fmt(Math.max(...late))})  [target < 5 ms]`,
  );
}
