import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { isUserError } from '../util/errors.js';
import type { CliIo } from './io.js';

function packageVersion(): string {
  const json = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  return json.version;
}

/**
 * Each subcommand's action lives in its own module under ./actions and is imported only when that
 * subcommand runs, so `tokprint --help` does not load tokenizers.
 */
type ActionLoader = () => Promise<{ default: (io: CliIo, ...args: any[]) => Promise<number | void> }>;

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('tokprint');
  const lazy = (load: ActionLoader) =>
    async (...args: any[]) => {
      const action = (await load()).default;
      const code = await action(io, ...args.slice(0, -1));
      setExit(typeof code === 'number' ? code : 0);
    };

  program
    .description('Tell which base model an LLM product is built on, from the fingerprint of its tokenizer.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const refs = program.command('refs').description('List, inspect, fetch and add reference tokenizers');
  refs
    .command('list')
    .description('List the indexed reference tokenizers and their classes')
    .option('--json', 'print a JSON array')
    .option('--index <dir>', 'extra user index directory (default: $TOKPRINT_HOME/index)')
    .action(lazy(() => import('./actions/refs-list.js')));
  refs
    .command('build')
    .description('Rebuild the index (classes, fingerprints, probe signatures) from the references')
    .option('--committed', 'index only the built-in references, into reference-tokenizers/ (for maintainers)')
    .option('--out <dir>', 'write the index into this directory instead')
    .option('--index <dir>', 'user index directory (default: $TOKPRINT_HOME/index)')
    .option('--allow-missing', 'build even when some references cannot be loaded, leaving them out')
    .action(lazy(() => import('./actions/refs-build.js')));

  return program;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isUserError(error)) {
      io.stderr(`tokprint: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`tokprint: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 70;
  }
}
