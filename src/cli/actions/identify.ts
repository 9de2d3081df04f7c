import { resolve } from 'node:path';
import { committedIndexDir, loadCatalog, requireEntry } from '../../references/catalog.js';
import { fetchReferenceFiles } from '../../references/load-reference.js';
import { cacheDir } from '../../references/store/cache-dir.js';
import { appendRunLine, createRunDir, RUN_FILES, writeRunJson } from '../../report/run-dir.js';
import { verdictJson } from '../../report/verdict-json.js';
import { verdictText } from '../../report/verdict-text.js';
import { DEFAULT_BUDGET, identify } from '../../scoring/identify.js';
import { probePoolDir } from '../../signatures/index-section.js';
import { loadCountIndex } from '../../signatures/load-count-index.js';
import { createTarget, DEFAULT_TARGET } from '../../targets/create-target.js';
import { jsonlTranscript } from '../../targets/transcript.js';
import { UserError } from '../../util/errors.js';
import { seededRng } from '../../util/rng.js';
import type { CliIo } from '../io.js';

export interface IdentifyOptions {
  json?: boolean;
  out?: string;
  maxQueries?: string;
  maxPromptTokens?: string;
  seed?: string;
}

function wholeNumber(value: string | undefined, flag: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UserError(`${flag} must be a whole number of at least ${min}, not "${value}"`);
  return Number(value);
}

export default async function identifyAction(io: CliIo, targetId: string | undefined, options: IdentifyOptions): Promise<number> {
  const budget = {
    maxQueries: wholeNumber(options.maxQueries, '--max-queries', DEFAULT_BUDGET.maxQueries, 1),
    maxPromptTokens: wholeNumber(options.maxPromptTokens, '--max-prompt-tokens', DEFAULT_BUDGET.maxPromptTokens, 1),
  };
  const seed = wholeNumber(options.seed, '--seed', 1, 0);
  const spec = targetId ?? DEFAULT_TARGET;
  const catalog = await loadCatalog({ env: io.env });
  const cacheRoot = io.env.TOKPRINT_CACHE ?? cacheDir(io.env);
  const target = await createTarget(spec, {
    cwd: io.cwd,
    env: io.env,
    reference: async (id) => {
      const { entry } = requireEntry(catalog, id);
      return { entry, files: await fetchReferenceFiles(entry, { cacheRoot }) };
    },
  });
  const index = await loadCountIndex({ indexDir: committedIndexDir(), poolDir: probePoolDir(), facts: catalog.entries.map(({ entry }) => entry) });

  const run = createRunDir(resolve(io.cwd, options.out ?? 'tokprint-runs'), spec, new Date());
  writeRunJson(run, RUN_FILES.config, { target: spec, description: target.description, budget, seed, probes: index.probes.length, references: index.references.length });
  const result = await identify({
    target,
    index,
    budget,
    rng: seededRng(seed),
    transcript: jsonlTranscript(`${run}/${RUN_FILES.transcript}`),
    onObservation: (observation) => appendRunLine(run, RUN_FILES.observations, observation),
  });
  const json = verdictJson(result, { run, target: spec });
  writeRunJson(run, RUN_FILES.verdict, json);
  io.stdout(options.json ? JSON.stringify(json) + '\n' : verdictText(result, { run, target: spec, description: target.description }));
  return result.verdict.status === 'inconclusive' ? 1 : 0;
}
