import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../references/store/package-root.js';
import { isUserError } from '../util/errors.js';
import { describeFileSystemError, isFileSystemError } from '../util/fs-errors.js';
import { SIM_RANGES } from '../targets/sim-spec.js';
import { API_SCHEME_HELP } from '../targets/http/scheme-help.js';
import { CHANNEL_NAMES, channelsHelp } from '../scoring/channels/registry.js';
import { FLAG_RANGES, rangeText } from './flag-ranges.js';
import type { CliIo } from './io.js';

function packageVersion(): string {
  const json = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
  return json.version;
}

/** Every exit code the CLI uses; 70 means a bug in tokprint, whatever the input. */
const EXIT_CODES = `
Exit codes:
  0   done: a verdict (identify, rescore), a comparison, a report, a reference added
  1   inconclusive: the query or token budget ran out before the evidence sufficed (identify, rescore)
  2   bad input: a flag, path, file, target, run directory or reference that cannot be used; one line on stderr
  3   a target request failed after its retries (network, HTTP status, an answer that could not be read), or its answers were refused (past a cap, a protocol violation, impossible billed counts)
  70  internal error: a bug in tokprint; please report it with the stack trace printed`;

const SIM_OPTIONS = `
sim: target options (sim:<refId>?name=value&…):
  template=<name>        chat template (default chatml)
  system=<chars>         hidden system prompt length, ${rangeText(SIM_RANGES.system)} (default 0)
  seed=<n>               seed of the hidden system prompt and the answers, ${rangeText(SIM_RANGES.seed)} (default 1)
  add=<n>&donor=<refId>  tokens added from another vocabulary, ${rangeText(SIM_RANGES.add)}
  drop-merges=<n>        merges dropped, ${rangeText(SIM_RANGES['drop-merges'])}
  pretok=digits|punctuation  a changed pre-tokenizer
  stream-interval=<n>    tokens per streamed chunk, ${rangeText(SIM_RANGES['stream-interval'])} (default 1)
  top-logprobs=<n>       alternatives beside each logprob token, ${rangeText(SIM_RANGES['top-logprobs'])}
  omit=usage,chunks,logprobs  what the API leaves out of its answers, as some gateways do
  vary=clock|id|paragraph  a live part of the hidden prompt, drawn afresh per request
  spread=<n>             tokens the live part moves either side, ${rangeText(SIM_RANGES.spread)} (default clock 1, id 2, paragraph 5)
  jumps=<p>              chance per request of a 40-200 token jump on top, ${rangeText(SIM_RANGES.jumps)} (default 0)
A number outside its range is refused in one line (exit 2).`;

const TOKENIZER_FILES = `
Tokenizer files: a tokenizer.json, tiktoken rank file or tokenizer_config.json is read whole, at most 1 GiB; a GGUF
model by its metadata header only, at most 1 GiB; devices, pipes and sockets are refused. A file is checked as it
is loaded (model type, ids, merges, ranks) and a damaged one refused in one line, exit 2.`;

const IDENTIFY_EXIT_CODES = `
Exit codes: 0 a verdict (match, derived or unknown), 1 inconclusive, 2 bad input,
3 a target request failed, 70 internal error (a bug). A tokenizer file compared white-box exits 0 or 2.`;

const AUDIT_HELP = `
Config (checked against schema/audit.schema.json in the package; errors name the line and column):
  defaults: { maxQueries: 6, channels: usage }
  targets:
    - id: openai:house-model-1
      config: { apiBaseUrl: https://gateway.example/v1, apiKeyEnv: HOUSE_KEY }
      expect: { family: [deepseek-v3] }
    - id: anthropic:claude-sonnet-4-5
      expect: { not: { family: [deepseek-v3, qwen2] } }
    - id: sim:qwen2.5
      expect: { status: unknown }
Exit codes: 0 every expectation holds, 1 one fails or is inconclusive or its target could not be run,
2 a bad config, 70 internal error (a bug).`;

/**
 * Each subcommand's action lives in its own module under ./actions and is imported only when that
 * subcommand runs, so `tokprint --help` does not load tokenizers.
 */
// commander passes each action its own arguments and options; each action module types them
// biome-ignore lint/suspicious/noExplicitAny: the arguments differ per subcommand
type ActionArgs = any[];
type ActionLoader = () => Promise<{ default: (io: CliIo, ...args: ActionArgs) => Promise<number | undefined> }>;

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('tokprint');
  const lazy =
    (load: ActionLoader) =>
    async (...args: ActionArgs) => {
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
    .exitOverride()
    .addHelpText('after', EXIT_CODES);

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
    .option(
      '--model <name>',
      'a model known to ship this tokenizer (repeatable)',
      (value: string, all: string[] = []) => [...all, value],
    )
    .option('--revision <rev>', 'hub branch, tag or commit (for hf: sources; default main)')
    .option(
      '--tiktoken-preset <name>',
      'split pattern and special tokens for a tiktoken file: cl100k, o200k or kimi-k2',
    )
    .option('--tiktoken-pattern <regex>', 'split pattern for a tiktoken file')
    .option(
      '--weights',
      "also store a weight fingerprint of the model's weights (safetensors or GGUF; hf: sources read by range requests), for tokprint identify <model-dir>",
    )
    .addHelpText('after', TOKENIZER_FILES)
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
    .argument(
      '[target]',
      'sim:<refId>[?template=…&system=…], openai:<baseURL> or openai:<model> and other API schemes, tokenizer:<path>, or a tokenizer file or model directory to compare white-box (default: a simulated "house model" API)',
    )
    .option('--json', 'print the verdict as JSON')
    .option('--out <dir>', 'where runs are written, one directory each (default: tokprint-runs)')
    .option('--tiktoken-preset <name>', 'split pattern for a white-box tiktoken rank file: cl100k, o200k or kimi-k2')
    .option('--max-queries <n>', `most requests to send, ${rangeText(FLAG_RANGES.maxQueries)} (default 6)`)
    .option(
      '--max-prompt-tokens <n>',
      `most prompt tokens to spend in all, ${rangeText(FLAG_RANGES.maxPromptTokens)} (default 30000)`,
    )
    .option(
      '--noise-queries <n>',
      `most requests once identical requests are billed differently (a hidden prompt that varies), and for the checks of counts that miss by a few tokens, ${rangeText(FLAG_RANGES.noiseQueries)} (default 10, or --max-queries when that is given)`,
    )
    .option('--seed <n>', `seed for choosing probes, ${rangeText(FLAG_RANGES.seed)} (default 1)`)
    .option(
      '--model <name>',
      'model name to ask an HTTP target for, when the target id does not name it (openai:<baseURL>…)',
    )
    .option(
      '--api-key-env <NAME>',
      "environment variable holding the API key (default: the API's usual one, e.g. OPENAI_API_KEY)",
    )
    .option(
      '--retries <n>',
      `retries of a failed request, with backoff honouring Retry-After, ${rangeText(FLAG_RANGES.retries)}; 0 turns them off (default 4)`,
    )
    .option('--timeout <seconds>', `time allowed for one attempt, ${rangeText(FLAG_RANGES.timeout)} (default 60)`)
    .option(
      '--concurrency <n>',
      `requests in flight at once per provider and key, ${rangeText(FLAG_RANGES.concurrency)} (default 4)`,
    )
    .option(
      '--rate <per-second>',
      `requests started per second per provider and key, at most, ${rangeText(FLAG_RANGES.rate)} (default 5)`,
    )
    .option('--ca-file <path>', 'extra trusted CA certificates (PEM), e.g. for a corporate proxy')
    .option(
      '--cache <ttl>',
      'reuse an answer stored by an earlier run within this time (e.g. 30m, 12h, 7d) for the same request and key; replayed answers are marked in the transcript and the verdict (default: every request goes to the target)',
    )
    .option('--no-cache', 'send every request to the target (the default)')
    .option('--stream', 'ask for streamed answers (usage from the final chunk, chunk texts recorded)')
    .option('--logprobs <n>', `ask for logprob tokens with n top alternatives, ${rangeText(FLAG_RANGES.logprobs)}`)
    .option(
      '--max-response-bytes <n>',
      `most bytes read of one answer, ${rangeText(FLAG_RANGES.maxResponseBytes)}; a longer one is cut there, recorded and not used (default 8388608, 8 MiB)`,
    )
    .option(
      '--max-stream-events <n>',
      `most events read of one streamed answer, ${rangeText(FLAG_RANGES.maxStreamEvents)}, and never far more than max_tokens allows (default 20000)`,
    )
    .option(
      '--no-detect-tokenize',
      'count through chat completions usage even when the server has a tokenize endpoint (openai: targets)',
    )
    .option(
      '--channels <list>',
      `what to read: ${CHANNEL_NAMES.join(', ')} (comma-separated; default: every one the target gives, found on the first answer, or with --stream/--logprobs usage plus those)`,
    )
    .option(
      '--resume <run>',
      "continue a killed run from its directory, re-sending nothing it already has an answer for, with its recorded settings (only a raised --max-queries or --max-prompt-tokens may change; a run whose target URL held credentials needs the target again: identify '<target>' --resume <run>)",
    )
    .option(
      '--engine <js|exact>',
      'scoring path: two-stage (bounds from pack totals, then the exact posterior on the groups that can matter) or the exact posterior over every group (default: by index size)',
    )
    .option('--dry-run', 'list the planned requests and their worst-case prompt-token cost, and send nothing')
    .option(
      '--report <formats>',
      'also write reports beside the verdict: html, md, json, cyclonedx, junit (comma-separated) or all',
    )
    .option('--quiet', 'no progress line and no notes on stderr')
    .option('--operator <name>', 'who runs the audit, named in the report header')
    .addHelpText('after', `${channelsHelp()}\n${SIM_OPTIONS}\n${API_SCHEME_HELP}\n${IDENTIFY_EXIT_CODES}`)
    .action(lazy(() => import('./actions/identify.js')));

  program
    .command('audit')
    .description(
      'Identify every target of a config file, each as its own run, and check each verdict against what is expected',
    )
    .argument('[config]', 'the audit config, YAML (default: tokprint.yaml)')
    .option('--json', 'print the audit result as JSON')
    .option('--junit <file>', 'also write JUnit XML, one testcase per target')
    .option(
      '--out <dir>',
      'where runs and the audit summaries (audit.html, audit.md, audit.json) go (default: tokprint-runs)',
    )
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText('after', AUDIT_HELP)
    .action(lazy(() => import('./actions/audit.js')));

  program
    .command('bench')
    .description('Measure accuracy (simulated targets for every reference) or speed, as the project measures them')
    .argument(
      '[task-and-options...]',
      'accuracy (default) or perf, then its options, e.g. accuracy --closed 2 --seed 7',
    )
    .allowUnknownOption()
    .addHelpText(
      'after',
      `
accuracy options: --sections closed,open,derived,channels  --closed N  --open N  --seed N  --only id,id
  --targets id,id  --junit FILE  --min-accuracy X (exit 1 below it)  --trace FILE  --no-wire  --verbose
Reference files are fetched into TOKPRINT_CACHE as identify fetches them.`,
    )
    .action(lazy(() => import('./actions/bench.js')));

  program
    .command('report')
    .description(
      "Render a run's record as a report: a terminal summary, HTML, markdown, JSON, CycloneDX ML-BOM or JUnit",
    )
    .argument('<run>', 'a run directory written by tokprint identify')
    .option('--format <format>', 'text, html, md, json, cyclonedx or junit (default text)')
    .option('--output <file>', 'write the report to this file instead of stdout')
    .action(lazy(() => import('./actions/report.js')));

  program
    .command('rescore')
    .description("Score a run's recorded answers again against the current index, sending nothing")
    .argument('<run>', 'a run directory written by tokprint identify')
    .option('--json', 'print the verdict as JSON')
    .option(
      '--engine <js|exact>',
      'scoring path: two-stage (bounds from pack totals, then the exact posterior on the groups that can matter) or the exact posterior over every group (default: by index size)',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 a verdict, 1 inconclusive, 2 bad input (not a run, a damaged record), 70 internal error (a bug).',
    )
    .action(lazy(() => import('./actions/rescore.js')));

  program
    .command('compare')
    .description('Compare two tokenizer files: identical, derived (which is the base, what changed) or unrelated')
    .argument('<a>', 'a tokenizer.json, GGUF or tiktoken file, a model directory, or hf:org/repo[@revision]')
    .argument('<b>', 'the other tokenizer, in any of the same forms')
    .option('--json', 'print every metric as JSON')
    .option(
      '--tiktoken-preset <name>',
      'split pattern and special tokens for tiktoken rank files: cl100k, o200k or kimi-k2',
    )
    .option(
      '--weights',
      'also compare the weights of hf: sources, read by range requests (local weights are always compared)',
    )
    .option(
      '--activations',
      'also run both models (model.onnx exporting hidden_states.N, beside each tokenizer) on the probe texts and compare their hidden states layer by layer (needs onnxruntime-node)',
    )
    .addHelpText(
      'after',
      `${TOKENIZER_FILES}\n\nWeights: when both sides hold Llama-style weights (safetensors, sharded or not, or GGUF), their lineage is\ncompared too (same-lineage or independent, with a score and per-layer evidence), reading only sampled rows.\n\nExit codes: 0 compared (identical, derived or unrelated alike), 2 bad input (a path, file or hub reference that cannot be used), 70 internal error (a bug).`,
    )
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
      io.stderr(`tokprint: ${shownOnTerminal(error.message)}\n`);
      return error.exitCode;
    }
    // a path the user gave (or its environment) that cannot be used, reached before any check named it
    if (isFileSystemError(error)) {
      io.stderr(`tokprint: ${shownOnTerminal(describeFileSystemError(error))}\n`);
      return 2;
    }
    io.stderr(`tokprint: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 70;
  }
}

/**
 * An error line as printed: a failed request's line quotes the server's body, so control and format characters
 * (escape sequences that clear the screen, retitle the window or colour a fake verdict; a carriage return) are
 * shown as `\u{…}` instead of acted on by the terminal. Line breaks and tabs stay.
 */
function shownOnTerminal(message: string): string {
  return message.replace(
    /(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu,
    (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`,
  );
}
