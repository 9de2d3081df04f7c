import { UserError } from '../../util/errors.js';
import type { CliIo } from '../io.js';

/** The bench tasks an installed package can run; `mine` rewrites the committed probe pool and stays in a checkout. */
const TASKS = {
  accuracy: () => import('../../../bench/accuracy.js').then((m) => m.accuracy),
  perf: () => import('../../../bench/perf.js').then((m) => m.perf),
} as const;

/** `tokprint bench [accuracy|perf] [options]`: the bench as `npm run bench` runs it, from the installed package. */
export default async function benchAction(io: CliIo, args: string[]): Promise<number> {
  const [first, ...rest] = args;
  const named = first !== undefined && !first.startsWith('-');
  const name = named ? first : 'accuracy';
  if (!Object.hasOwn(TASKS, name))
    throw new UserError(`unknown bench "${name}"; expected ${Object.keys(TASKS).join(' or ')}`);
  const task = await TASKS[name as keyof typeof TASKS]();
  const before = process.exitCode;
  try {
    await task(
      named ? rest : args,
      (line) => io.stdout(`${line}\n`),
      (line) => io.stderr(`${line}\n`),
    );
  } catch (error) {
    // the bench's own option parser names the option it does not know
    if (error instanceof Error && /^unknown option /.test(error.message)) throw new UserError(error.message);
    throw error;
  }
  // a run below --min-accuracy marks the process as failed, as `npm run bench` does
  const failed = process.exitCode !== before && Number(process.exitCode) !== 0;
  process.exitCode = before;
  return failed ? 1 : 0;
}
