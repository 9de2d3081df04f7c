import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { activeIndexDir, loadCatalog, requireEntry, type Catalog } from '../../references/catalog.js';
import { RUN_FILES } from '../../run/run-dir.js';
import { digestProblem, readRecord, type RecordEntry } from '../../run/run-record.js';
import { checkVerdict } from '../../run/run-files.js';
import { strongestProbes } from '../../report/strongest-probes.js';
import { verdictJson } from '../../report/verdict-json.js';
import { verdictText } from '../../report/verdict-text.js';
import type { IdentifyResult } from '../../scoring/identify.js';
import { rescore } from '../../run/rescore.js';
import { flagReplayed, replayedAnswers } from '../../run/replayed-answers.js';
import { probePoolDir } from '../../signatures/index-section.js';
import { loadCountIndex } from '../../signatures/load-count-index.js';
import { requestSignature } from '../../scoring/request-signature.js';
import { signatureGroups } from '../../scoring/hypotheses.js';
import { chooseEngine, parseEngine, scorePosterior } from '../../scoring/batch/engine.js';
import { UserError } from '../../util/errors.js';
import { replayChannels } from '../../run/replay-channels.js';
import { recordedChannelRuntime } from '../recorded-channels.js';
import { fetchReferenceFiles } from '../../references/load-reference.js';
import { cacheDir } from '../../references/store/cache-dir.js';
import type { CliIo } from '../io.js';

export interface RescoreOptions {
  json?: boolean;
  /** Force the two-stage (js, onnx) or exact scoring path; by default the index size decides. */
  engine?: string;
}

/** `tokprint rescore <run>`: the verdict from a run's recorded answers against today's index, offline. */
export default async function rescoreAction(io: CliIo, runDir: string, options: RescoreOptions): Promise<number> {
  const run = resolve(io.cwd, runDir);
  const { path, entries, config } = readRecord(run);
  const problem = digestProblem(path);
  if (problem) io.stderr(`tokprint: warning: ${problem}; scoring the answers it has\n`);

  const seen = new Set<number>();
  const observations = entries.flatMap((e: RecordEntry) =>
    e.kind === 'observation' && !seen.has(e.seq) && seen.add(e.seq) ? [e as typeof e & { stratum: 'frame' }] : [],
  );
  if (!observations.length) throw new UserError(`${path} holds no answered request to score`);

  const catalog = await loadCatalog({ env: io.env });
  const index = await loadCountIndex({
    indexDir: activeIndexDir(io.env),
    poolDir: probePoolDir(),
    facts: catalog.entries.map(({ entry }) => entry),
  });
  const verdictPath = join(run, RUN_FILES.verdict);
  const recordedStop = existsSync(verdictPath)
    ? ((checkVerdict(readVerdict(verdictPath), verdictPath).stop ?? 'max-queries') as IdentifyResult['stop'])
    : 'max-queries';
  let forced;
  try {
    forced = parseEngine(options.engine);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const groups = signatureGroups(index);
  const known = new Set(index.probes.map((p) => p.id));
  const scorable = observations.every((o) => o.probes.every((id) => known.has(id)));
  // a run that read answer channels is scored with the same channels, replayed in the order it read them
  const channels =
    config.channels && scorable
      ? await recordedChannelRuntime(config, activeIndexDir(io.env), referenceLoader(catalog, io.env))
      : undefined;
  const scored = channels
    ? await replayChannels(entries, observations, index, channels)
    : scorable && chooseEngine(1, groups.length, forced) !== 'exact'
      ? await scorePosterior(requestSignature(observations, index), groups, forced)
      : undefined;
  const result = rescore(observations, index, recordedStop, scored);
  result.engine = scored && !channels ? chooseEngine(1, groups.length, forced) : 'exact';
  if (channels) Object.assign(result, { verdict: channels.annotate(result.verdict), channels: channels.summary() });
  const replayed = replayedAnswers(entries);
  result.verdict = flagReplayed(result.verdict, replayed);
  const json = verdictJson(result, {
    run,
    target: config.target,
    strongestProbes: await strongestProbes(result, index),
    replayed,
  });
  io.stdout(
    options.json
      ? `${JSON.stringify(json)}\n`
      : verdictText(result, { run, target: config.target, description: config.description }),
  );
  return result.verdict.status === 'inconclusive' ? 1 : 0;
}

function readVerdict(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UserError(`${path}: the verdict is not valid JSON (${(error as Error).message})`);
  }
}

function referenceLoader(catalog: Catalog, env: NodeJS.ProcessEnv) {
  const cacheRoot = env.TOKPRINT_CACHE ?? cacheDir(env);
  return async (id: string) => {
    const { entry } = requireEntry(catalog, id);
    return { entry, files: await fetchReferenceFiles(entry, { cacheRoot }) };
  };
}
