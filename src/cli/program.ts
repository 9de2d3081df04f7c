import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../references/store/package-root.js';
import { isUserError } from '../util/errors.js';
import type { CliIo } from './io.js';

function packageVersion(): string {
  const json = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
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
    .command('show')
    .description('Show one reference: its manifest entry, cache state and class')
    .argument('<id>', 'reference id (see tokprint refs list)')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./actions/refs-show.js')));
  refs
    .command('pull')
    .description('Download reference files into the cache and check them against their sha256 pins')
    .argument('[id...]', 'reference ids (default: all)')
    .action(lazy(() => import('./actions/refs-pull.js')));
  refs
    .command('add')
    .description('Add your own tokenizer to your index (checked by loading it before anything is written)')
    .argument('<source>', 'a tokenizer.json, GGUF or tiktoken file, a model directory, or hf:org/repo[@revision]')
    .requiredOption('--id <id>', 'id for the new reference, e.g. acme-7b')
    .requiredOption('--family <family>', 'tokenizer family, lowercase, e.g. qwen2')
    .option('--publisher <name>', 'who published the tokenizer')
    .option('--jurisdiction <code>', "publisher's country, ISO 3166-1 alpha-2")
    .option('--license <license>', 'license of the tokenizer files')
    .option('--model <name>', 'a model known to ship this tokenizer (repeatable)', (value: string, all: string[] = []) => [...all, value])
    .option('--revision <rev>', 'hub branch, tag or commit (for hf: sources; default main)')
    .option('--tiktoken-preset <name>', 'split pattern and special tokens for a tiktoken file: cl100k, o200k or kimi-k2')
    .option('--tiktoken-pattern <regex>', 'split pattern for a tiktoken file')
    .action(lazy(() => import('./actions/refs-add.js')));
  refs
    .command('build')
    .description('Rebuild the index (classes, fingerprints, probe signatures) from the references')
    .option('--committed', 'index only the built-in references, into reference-tokenizers/ (for maintainers)')
    .option('--out <dir>', 'write the index into this directory instead')
    .option('--index <dir>', 'user index directory (default: $TOKPRINT_HOME/index)')
    .option('--allow-missing', 'build even when some references cannot be loaded, leaving them out')
    .action(lazy(() => import('./actions/refs-build.js')));

  program
    .command('identify')
    .description('Tell which indexed tokenizer a target uses, from the prompt tokens it bills')
    .argument('[target]', 'sim:<refId>[?template=…&system=…], openai:<baseURL> and other API schemes, tokenizer:<path>, or a tokenizer file or model directory to compare white-box (default: a simulated "house model" API)')
    .option('--json', 'print the verdict as JSON')
    .option('--out <dir>', 'where runs are written, one directory each', 'tokprint-runs')
    .option('--tiktoken-preset <name>', 'split pattern for a white-box tiktoken rank file: cl100k, o200k or kimi-k2')
    .option('--max-queries <n>', 'most requests to send (default 6)')
    .option('--max-prompt-tokens <n>', 'most prompt tokens to spend in all (default 30000)')
    .option('--seed <n>', 'seed for choosing probes (default 1)')
    .option('--model <name>', 'model name to ask an HTTP target for (openai:…)')
    .option('--api-key-env <NAME>', "environment variable holding the API key (default: the API's usual one, e.g. OPENAI_API_KEY)")
    .option('--retries <n>', 'retries of a failed request, with backoff honouring Retry-After; 0 turns them off (default 4)')
    .option('--timeout <seconds>', 'time allowed for one attempt (default 60)')
    .option('--concurrency <n>', 'requests in flight at once per provider and key (default 4)')
    .option('--rate <per-second>', 'requests started per second per provider and key, at most (default 5)')
    .option('--ca-file <path>', 'extra trusted CA certificates (PEM), e.g. for a corporate proxy')
    .option('--no-cache', 'send every request even when the same one has a cached answer')
    .option('--stream', 'ask for streamed answers (usage from the final chunk, chunk texts recorded)')
    .option('--logprobs <n>', 'ask for logprob tokens with n top alternatives')
    .option('--max-response-bytes <n>', 'most bytes read of one answer; a longer one is cut there, recorded and not used (default 8388608, 8 MiB)')
    .option('--max-stream-events <n>', 'most events read of one streamed answer, and never far more than max_tokens allows (default 20000)')
    .option('--no-detect-tokenize', "count through chat completions usage even when the server has a tokenize endpoint (openai: targets)")
    .option('--channels <list>', 'what to read: usage, logprobs, stream, completion, truncation (comma-separated; default usage plus what --stream and --logprobs ask for)')
    .option('--resume <run>', 'continue a killed run from its directory, re-sending nothing it already has an answer for')
    .option('--engine <js|onnx|exact>', 'scoring path: two-stage with pack totals in TypeScript or on onnxruntime, or the exact posterior over every group (default: by index size)')
    .option('--dry-run', 'list the planned requests and their worst-case prompt-token cost, and send nothing')
    .option('--report <formats>', 'also write reports beside the verdict: html, md, json, cyclonedx, junit (comma-separated) or all')
    .option('--quiet', 'no progress line and no notes on stderr')
    .action(lazy(() => import('./actions/identify.js')));

  program
    .command('report')
    .description("Render a run's record as a report: a terminal summary, HTML, markdown, JSON, CycloneDX ML-BOM or JUnit")
    .argument('<run>', 'a run directory written by tokprint identify')
    .option('--format <format>', 'text, html, md, json, cyclonedx or junit (default text)')
    .option('--output <file>', 'write the report to this file instead of stdout')
    .action(lazy(() => import('./actions/report.js')));

  program
    .command('rescore')
    .description("Score a run's recorded answers again against the current index, sending nothing")
    .argument('<run>', 'a run directory written by tokprint identify')
    .option('--json', 'print the verdict as JSON')
    .option('--engine <js|onnx|exact>', 'scoring path: two-stage with pack totals in TypeScript or on onnxruntime, or the exact posterior over every group (default: by index size)')
    .action(lazy(() => import('./actions/rescore.js')));

  program
    .command('compare')
    .description('Compare two tokenizer files: identical, derived (which is the base, what changed) or unrelated')
    .argument('<a>', 'a tokenizer.json, GGUF or tiktoken file, a model directory, or hf:org/repo[@revision]')
    .argument('<b>', 'the other tokenizer, in any of the same forms')
    .option('--json', 'print every metric as JSON')
    .option('--tiktoken-preset <name>', 'split pattern and special tokens for tiktoken rank files: cl100k, o200k or kimi-k2')
    .action(lazy(() => import('./actions/compare.js')));

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
