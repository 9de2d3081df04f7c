import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activationLineage } from '../src/lineage/activations/activation-lineage.js';
import { SAME_LINEAGE_THRESHOLD } from '../src/lineage/activations/compare-activations.js';
import { loadCatalog } from '../src/references/catalog.js';
import { fetchReferenceFiles } from '../src/references/load-reference.js';
import { cacheDir } from '../src/references/store/cache-dir.js';
import { createTokenizer } from '../src/references/formats/index.js';
import type { Tokenizer, TokenizerFiles } from '../src/references/tokenizer.js';
import {
  denseNoise,
  lowRankMerge,
  permuteUnits,
  rescale,
  seededBase,
  type TinyShape,
  type TinyWeights,
  writeTinyModelDir,
} from '../test/helpers/tiny-onnx-models.js';

/**
 * Activation-space lineage on synthetic tiny transformers (built here from seeds, no weights downloaded):
 * for each base, derived copies (fine-tune stand-ins and function-preserving evasions) and independent
 * models, every one compared with its base through `activationLineage` as `compare --activations` does.
 */
/** `drift`: changes far past a fine-tune, outside the AUC, to show where the evidence stops. */
type Kind = 'derived' | 'independent' | 'drift';

export interface ActivationRow {
  base: number;
  name: string;
  kind: Kind;
  score: number;
  pValue: number;
  agreeing: string;
  ms: number;
}

const SHAPE: TinyShape = { rows: 4096, hidden: 32, ffn: 64, layers: 4 };

function derivedCopies(base: TinyWeights, seed: number): Record<string, TinyWeights> {
  return {
    'dense noise 5%': denseNoise(base, seed + 1, 0.05),
    'dense noise 10%': denseNoise(base, seed + 2, 0.1),
    'dense noise 20%': denseNoise(base, seed + 3, 0.2),
    'low-rank merge r4 30%': lowRankMerge(base, seed + 4, 4, 0.3),
    'low-rank merge r8 50%': lowRankMerge(base, seed + 5, 8, 0.5),
    'permuted units': permuteUnits(base, seed + 6),
    rescaled: rescale(base, seed + 7),
    'permuted+rescaled+noise 10%': denseNoise(rescale(permuteUnits(base, seed + 8), seed + 9), seed + 10, 0.1),
  };
}

function driftedCopies(base: TinyWeights, seed: number): Record<string, TinyWeights> {
  return {
    'dense noise 40%': denseNoise(base, seed + 11, 0.4),
    'dense noise 80%': denseNoise(base, seed + 12, 0.8),
    'low-rank merge r16 100%': lowRankMerge(base, seed + 13, 16, 1),
  };
}

function independentModels(seed: number): Record<string, TinyWeights> {
  return {
    'other seed, same shape': seededBase(seed + 50, SHAPE),
    'other seed, same shape (2)': seededBase(seed + 51, SHAPE),
    'hidden 48': seededBase(seed + 52, { ...SHAPE, hidden: 48, ffn: 96 }),
    '6 layers': seededBase(seed + 53, { ...SHAPE, layers: 6 }),
  };
}

/** Fraction of (derived, independent) pairs ordered correctly, ties counting half. */
export function auc(derived: number[], independent: number[]): number {
  let wins = 0;
  for (const d of derived) for (const i of independent) wins += d > i ? 1 : d === i ? 0.5 : 0;
  return wins / (derived.length * independent.length);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : Number.NaN;
};

async function tokenizerFiles(id: string): Promise<{ files: TokenizerFiles; tokenizer: Tokenizer }> {
  const catalog = await loadCatalog({ env: { ...process.env, TOKPRINT_HOME: '/nonexistent-tokprint-home' } });
  const entry = catalog.entries.find((e) => e.entry.id === id)?.entry;
  if (!entry) throw new Error(`no committed reference ${id}`);
  const files = await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() });
  return { files, tokenizer: createTokenizer(entry.format, files, entry.tiktoken) };
}

export async function activationRows(bases: number, log: (line: string) => void): Promise<ActivationRow[]> {
  const root = await mkdtemp(join(tmpdir(), 'tokprint-bench-activations-'));
  const qwen = await tokenizerFiles('qwen2.5');
  const llama = await tokenizerFiles('llama3');
  const rows: ActivationRow[] = [];
  try {
    for (let b = 0; b < bases; b++) {
      const seed = 1000 * (b + 1);
      const base = seededBase(seed, SHAPE);
      const dir = (name: string) => join(root, `${b}-${name}`);
      writeTinyModelDir(dir('base'), base, { main: qwen.files.main, config: qwen.files.config });
      const models: (readonly [string, Kind, TinyWeights, typeof qwen])[] = [
        ...Object.entries(derivedCopies(base, seed)).map(([name, w]) => [name, 'derived' as Kind, w, qwen] as const),
        ...Object.entries(independentModels(seed)).map(([name, w]) => [name, 'independent' as Kind, w, qwen] as const),
        ['llama3 tokenizer', 'independent', seededBase(seed + 54, SHAPE), llama],
        ...Object.entries(driftedCopies(base, seed)).map(([name, w]) => [name, 'drift' as Kind, w, qwen] as const),
      ];
      for (const [name, kind, weights, tok] of models) {
        writeTinyModelDir(dir(name), weights, { main: tok.files.main, config: tok.files.config });
        const started = performance.now();
        const e = await activationLineage(
          { path: dir('base'), encode: (t) => qwen.tokenizer.encode(t) },
          { path: dir(name), encode: (t) => tok.tokenizer.encode(t) },
        );
        const ms = performance.now() - started;
        const agreeing = e.layers.filter((l) => l.agrees).map((l) => l.a);
        rows.push({ base: b, name, kind, score: e.score, pValue: e.pValue, agreeing: agreeing.join(',') || '-', ms });
        log(`base ${b}: ${name} ${e.score.toFixed(3)} (${ms.toFixed(0)} ms)`);
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return rows;
}

/** The activation rows of `npm run bench -- lineage`: per model kind, the score range over bases, AUC, time. */
export async function lineageActivations(args: string[], out: (line: string) => void, log: (line: string) => void) {
  const at = args.indexOf('--bases');
  const bases = at >= 0 ? Number(args[at + 1]) : 3;
  const rows = await activationRows(bases, log);
  const derived = rows.filter((r) => r.kind === 'derived').map((r) => r.score);
  const independent = rows.filter((r) => r.kind === 'independent').map((r) => r.score);
  out(`activations: tiny transformers (${SHAPE.layers} layers x ${SHAPE.hidden}), ${bases} seeded bases`);
  out(
    '| model vs its base | kind | score min | score max | p min-max | layers agreeing (base 0) | same-lineage | ms median |',
  );
  out('|---|---|---|---|---|---|---|---|');
  for (const name of [...new Set(rows.map((r) => r.name))]) {
    const group = rows.filter((r) => r.name === name);
    const scores = group.map((r) => r.score);
    const called = group.filter((r) => r.score >= SAME_LINEAGE_THRESHOLD).length;
    out(
      `| ${name} | ${group[0].kind} | ${Math.min(...scores).toFixed(3)} | ${Math.max(...scores).toFixed(3)} | ${Math.min(...group.map((r) => r.pValue))}-${Math.max(...group.map((r) => r.pValue))} | ${group[0].agreeing} | ${called}/${group.length} | ${median(group.map((r) => r.ms)).toFixed(0)} |`,
    );
  }
  const judged = rows.filter((r) => r.kind !== 'drift');
  const correct = judged.filter((r) => r.score >= SAME_LINEAGE_THRESHOLD === (r.kind === 'derived')).length;
  out(
    `AUC ${auc(derived, independent).toFixed(3)} (${derived.length} derived x ${independent.length} independent); ` +
      `lowest derived ${Math.min(...derived).toFixed(3)}, highest independent ${Math.max(...independent).toFixed(3)}; ` +
      `at the fixed threshold ${SAME_LINEAGE_THRESHOLD}: ${correct}/${judged.length} correct; ` +
      `time per comparison median ${median(judged.map((r) => r.ms)).toFixed(0)} ms`,
  );
}
