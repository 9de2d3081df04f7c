import { resolve } from 'node:path';
import { verdictText } from '../../report/verdict-text.js';
import { rescoreRun } from '../../run/rescore-run.js';
import { openWorkspace } from '../../run/workspace.js';
import { parseEngine } from '../../scoring/batch/engine.js';
import { UserError } from '../../util/errors.js';
import type { CliIo } from '../io.js';

export interface RescoreOptions {
  json?: boolean;
  /** Force the two-stage (js) or exact scoring path; by default the index size decides. */
  engine?: string;
}

/** `tokprint rescore <run>`: the verdict from a run's recorded answers against today's index, offline. */
export default async function rescoreAction(io: CliIo, runDir: string, options: RescoreOptions): Promise<number> {
  const run = resolve(io.cwd, runDir);
  let forced: ReturnType<typeof parseEngine>;
  try {
    forced = parseEngine(options.engine);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const { config, result, verdict } = await rescoreRun(await openWorkspace(io.env), run, forced, (p) =>
    io.stderr(`tokprint: warning: ${p}; scoring the answers it has\n`),
  );
  io.stdout(
    options.json
      ? `${JSON.stringify(verdict)}\n`
      : verdictText(result, { run, target: config.target, description: config.description }),
  );
  return result.verdict.status === 'inconclusive' ? 1 : 0;
}
