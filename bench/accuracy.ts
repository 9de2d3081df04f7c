import { RunTrace } from './run-trace.js';
import { committedIndexDir, loadCatalog } from '../src/references/catalog.js';
import { createTokenizer } from '../src/references/formats/index.js';
import { fetchReferenceFiles } from '../src/references/load-reference.js';
import { cacheDir } from '../src/references/store/cache-dir.js';
import { identify } from '../src/run/driver.js';
import { DEFAULT_BUDGET, type IdentifyResult } from '../src/scoring/identify.js';
import { signatureGroups } from '../src/scoring/hypotheses.js';
import { withoutClasses, type CountIndex } from '../src/signatures/count-index.js';
import { probePoolDir } from '../src/signatures/index-section.js';
import { loadCountIndex } from '../src/signatures/load-count-index.js';
import type { Tokenizer } from '../src/references/tokenizer.js';
import { seededRng, seedFromString } from '../src/util/rng.js';
import { finishTrials, parseAccuracy, setupLabel, TrialLog } from './accuracy-junit.js';
import { channelAccuracy } from './accuracy-channels.js';
import { openKinds } from './open-kinds.js';
import { answerChannelRun } from './answer-channel-run.js';
import { DerivedKinds } from './derived-kinds.js';
import { noiseAccuracy } from './accuracy-noise.js';
import { accuracyTable, median, type ReferenceTally } from './accuracy-table.js';
import {
  derivedTargets,
  domainTarget,
  domainWords,
  randomSetup,
  type LoadedBenchReference,
  type SimSetup,
  setupTarget,
} from './accuracy-trials.js';

export const BENCH_SEED = 424242;
const SECTIONS = ['closed', 'open', 'derived', 'channels', 'noise'];

interface Options {
  closed: number;
  open: number;
  /** Tokenizers the open-kinds section trains (`--trained N`). */
  trained: number;
  /** Runs per reference and noise row on the unchanged tokenizer (`--noise N`). */
  noise: number;
  only?: string[];
  /** Run trials for these references only; the rest still serve as donors (each reference draws from its own seed). */
  targets?: string[];
  verbose: boolean;
  junit?: string;
  minAccuracy?: number;
  /** A JSON-lines file getting each run's request digest and verdict. */
  trace?: string;
  seed: number;
  /** Which parts run: closed, open, derived, channels, noise (all by default), open-kinds (when named). */
  sections: Set<string>;
  /** The channel rows' seeds (`--seeds a,b,c`); the bench seed alone when absent. */
  channelSeeds?: number[];
  /** References the channel rows sample per seed (`--channel-references N`); all when absent. */
  channelReferences?: number;
  /** `--no-wire`: the channel rows in process only. */
  wire: boolean;
  /** `--every-api`: every API's wire rows for every reference, rather than taking turns. */
  everyApi: boolean;
  /** `--channel-rows a,b`: only the channel rows whose label holds one of these. */
  channelRows?: string[];
  /** `--noise-rows a,b`: only the noise rows whose label holds one of these. */
  noiseRows?: string[];
  /** `--answer-channels`: closed, open, derived and open-kinds targets also stream and list logprobs, read by default. */
  answerChannels: boolean;
}

function parseOptions(args: string[]): Options {
  const options: Options = {
    closed: 8,
    open: 4,
    trained: 12,
    noise: 2,
    verbose: false,
    seed: BENCH_SEED,
    sections: new Set(SECTIONS),
    wire: true,
    everyApi: false,
    answerChannels: false,
  };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--closed') options.closed = Number(args[++i]);
    else if (args[i] === '--open') options.open = Number(args[++i]);
    else if (args[i] === '--trained') options.trained = Number(args[++i]);
    else if (args[i] === '--noise') options.noise = Number(args[++i]);
    else if (args[i] === '--only') options.only = args[++i].split(',');
    else if (args[i] === '--targets') options.targets = args[++i].split(',');
    else if (args[i] === '--verbose') options.verbose = true;
    else if (args[i] === '--seed') options.seed = Number(args[++i]);
    else if (args[i] === '--sections') options.sections = new Set(args[++i].split(','));
    else if (args[i] === '--junit') options.junit = args[++i];
    else if (args[i] === '--min-accuracy') options.minAccuracy = parseAccuracy(args[++i]);
    else if (args[i] === '--trace') options.trace = args[++i];
    else if (args[i] === '--seeds') options.channelSeeds = args[++i].split(',').map(Number);
    else if (args[i] === '--channel-references') options.channelReferences = Number(args[++i]);
    else if (args[i] === '--no-wire') options.wire = false;
    else if (args[i] === '--every-api') options.everyApi = true;
    else if (args[i] === '--channel-rows') options.channelRows = args[++i].split(',');
    else if (args[i] === '--noise-rows') options.noiseRows = args[++i].split(',');
    else if (args[i] === '--answer-channels') options.answerChannels = true;
    else
      throw new Error(
        `unknown option ${args[i]} (expected --closed N, --open N, --trained N, --noise N, --only id,id, --targets id,id, --verbose, --seed N, --sections closed,open,derived,channels,noise,open-kinds, --junit FILE, --min-accuracy X, --trace FILE, --seeds N,N, --channel-references N, --no-wire, --every-api, --channel-rows a,b, --noise-rows a,b, --answer-channels)`,
      );
  }
  return options;
}

async function countsOnly(
  tokenizer: Tokenizer,
  setup: SimSetup,
  index: CountIndex,
  id: string,
): Promise<IdentifyResult> {
  const target = setupTarget(tokenizer, setup, id);
  return identify({ target, index, budget: DEFAULT_BUDGET, rng: seededRng(setup.seed) });
}

/** Each request's distance from the base's exact prediction: what a derived verdict rests on. */
function baseDeviations(result: IdentifyResult, base: string): string {
  const score = result.posterior.groups.find((g) => g.group.references.includes(base));
  if (!score) return 'base not indexed';
  return result.requests
    .map((r, k) => `${r.stratum}${score.deviations[k] >= 0 ? '+' : ''}${score.deviations[k]}`)
    .join(' ');
}

/** The groups holding the most posterior mass, as `id m/d` (match / derived), for reading a miss. */
function leaders(result: IdentifyResult, count = 3): string {
  const ranked = [...result.posterior.groups]
    .sort((a, b) => b.match + b.derived - (a.match + a.derived))
    .slice(0, count);
  const shares = ranked.map((g) => `${g.group.references[0]} ${g.match.toFixed(3)}/${g.derived.toFixed(3)}`);
  return `${shares.join(', ')}, unknown ${result.posterior.unknown.toFixed(3)}`;
}

/**
 * Simulated targets for every reference: closed set (randomised template and hidden prompt), open set
 * (every class counting like the target removed from the index), derived (real vocabularies modified).
 */
export async function accuracy(
  args: string[],
  out: (line: string) => void,
  log: (line: string) => void,
): Promise<void> {
  const options = parseOptions(args);
  const started = Date.now();
  const catalog = await loadCatalog({ env: { ...process.env, TOKPRINT_HOME: '/nonexistent-tokprint-home' } });
  const index = await loadCountIndex({
    indexDir: committedIndexDir(),
    poolDir: probePoolDir(),
    facts: catalog.entries.map(({ entry }) => entry),
  });
  const groups = signatureGroups(index);
  const cacheRoot = process.env.TOKPRINT_CACHE ?? cacheDir();
  const loaded: LoadedBenchReference[] = [];
  for (const { entry } of catalog.entries) {
    if (options.only && !options.only.includes(entry.id)) continue;
    try {
      const files = await fetchReferenceFiles(entry, { cacheRoot });
      loaded.push({ entry, files, tokenizer: createTokenizer(entry.format, files, entry.tiktoken) });
    } catch (error) {
      log(`warning: skipping ${entry.id}: ${(error as Error).message}`);
    }
  }
  const donors = loaded.filter((r) => r.entry.format === 'hf-json');
  const run = options.answerChannels ? await answerChannelRun(loaded) : countsOnly;
  const tallies: ReferenceTally[] = [];
  const trials = new TrialLog();
  const trace = new RunTrace(options.trace);
  const derivedKinds = new DerivedKinds();
  for (const reference of loaded) {
    const id = reference.entry.id;
    if (options.targets && !options.targets.includes(id)) continue;
    const rng = seededRng(seedFromString(id, options.seed));
    const tally: ReferenceTally = {
      id,
      closed: { correct: 0, total: 0 },
      open: { falseMatch: 0, derived: 0, unknown: 0, inconclusive: 0, total: 0 },
      derived: { detected: 0, invisible: 0, total: 0 },
      queries: [],
      promptTokens: [],
    };
    for (let t = 0; t < (options.sections.has('closed') ? options.closed : 0); t++) {
      const setup = randomSetup(rng);
      const result = await run(reference.tokenizer, setup, index, `sim:${id}`);
      trace.add('closed', `${id} ${setupLabel(setup)}`, result);
      const correct = result.verdict.status === 'match' && result.verdict.class.includes(id);
      tally.closed.total++;
      if (correct) tally.closed.correct++;
      tally.queries.push(result.queries);
      tally.promptTokens.push(result.promptTokens);
      trials.add(
        'closed',
        `${id} ${setupLabel(setup)}`,
        correct,
        `expected a match in ${id}'s class, got ${result.verdict.status} ${result.verdict.reference}`,
      );
      if (!correct || options.verbose)
        log(
          `closed ${id} ${JSON.stringify(setup)}: ${result.verdict.status} ${result.verdict.reference} ${result.verdict.confidence.toFixed(4)} q${result.queries}`,
        );
    }
    // Open set: remove every class with a member counting like the target, so nothing indexed is the target.
    const own = groups.find((g) => g.references.includes(id));
    const openIndex = withoutClasses(index, own ? own.classIds : []);
    for (let t = 0; t < (options.sections.has('open') ? options.open : 0); t++) {
      const setup = randomSetup(rng);
      const result = await run(reference.tokenizer, setup, openIndex, `sim:${id}`);
      trace.add('open', `${id} ${setupLabel(setup)}`, result);
      tally.open.total++;
      const status = result.verdict.status;
      if (status === 'match') tally.open.falseMatch++;
      else if (status === 'derived') tally.open.derived++;
      else if (status === 'unknown') tally.open.unknown++;
      else tally.open.inconclusive++;
      trials.add(
        'open',
        `${id} not indexed, ${setupLabel(setup)}`,
        status !== 'match',
        `expected no match (its class removed from the index), got match ${result.verdict.reference}`,
      );
      if (status === 'match' || options.verbose) {
        const deviations = result.verdict.reference ? `; ${baseDeviations(result, result.verdict.reference)}` : '';
        log(
          `open ${id} ${JSON.stringify(setup)}: ${status} ${result.verdict.reference} ${result.verdict.confidence.toFixed(4)} q${result.queries}${deviations}; ${leaders(result)}`,
        );
      }
    }
    if (reference.entry.format === 'hf-json' && options.sections.has('derived')) {
      const domainRng = seededRng(seedFromString(`${id} domain`, options.seed));
      const variants = [
        ...derivedTargets(reference, donors, rng),
        domainTarget(reference, domainWords(probePoolDir()), domainRng),
      ];
      for (const variant of variants) {
        const setup = randomSetup(rng);
        const modified = variant.tokenizer;
        const result = await run(modified, setup, index, `sim:${id}+derived`);
        trace.add('derived', `${id} ${variant.label} ${setupLabel(setup)}`, result);
        tally.derived.total++;
        const detected = result.verdict.status === 'derived' && result.verdict.family === reference.entry.family;
        if (detected) tally.derived.detected++;
        derivedKinds.add(variant.label, result.verdict.status, detected, result.verdict.change);
        trials.add(
          'derived',
          `${id} ${variant.label}, ${setupLabel(setup)}`,
          detected,
          `expected derived, family ${reference.entry.family}; got ${result.verdict.status} ${result.verdict.reference}`,
        );
        if (result.verdict.status === 'match' && result.verdict.class.includes(id)) tally.derived.invisible++;
        if (!detected || options.verbose)
          log(
            `derived ${id} [${variant.label}] ${JSON.stringify(setup)}: ${result.verdict.status} ${result.verdict.reference} ${result.verdict.confidence.toFixed(4)} q${result.queries}; ${baseDeviations(result, id)}; ${leaders(result)}`,
          );
      }
    }
    tallies.push(tally);
    log(
      `${id}: closed ${tally.closed.correct}/${tally.closed.total}, open false match ${tally.open.falseMatch}/${tally.open.total}, derived ${tally.derived.detected}/${tally.derived.total} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
  out(accuracyTable(tallies));
  if (options.sections.has('derived')) out(`\n${derivedKinds.table()}\n\n${derivedKinds.changeTable()}`);
  const queries = tallies.flatMap((t) => t.queries);
  if (queries.length)
    out(
      `\nclosed-set runs: ${queries.length}; median queries ${median(queries)}, max ${Math.max(...queries)}; median prompt tokens ${median(tallies.flatMap((t) => t.promptTokens))}`,
    );
  out(
    `seed ${options.seed}; ${loaded.length} references; ${index.probes.length} probes; ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (options.sections.has('open-kinds'))
    out(
      `\n${await openKinds(loaded, index, groups, { open: options.open, trained: options.trained, seed: options.seed, cacheRoot, verbose: options.verbose }, run, log)}`,
    );
  if (options.sections.has('channels'))
    out(
      await channelAccuracy(
        loaded,
        index,
        {
          seeds: options.channelSeeds ?? [options.seed],
          references: options.channelReferences,
          wire: options.wire,
          everyApi: options.everyApi,
          rows: options.channelRows,
        },
        log,
        trace,
      ),
    );
  if (options.sections.has('noise'))
    out(
      await noiseAccuracy(
        loaded,
        index,
        {
          trials: options.noise,
          seed: options.seed,
          targets: options.targets,
          rows: options.noiseRows,
          verbose: options.verbose,
        },
        log,
        trace,
      ),
    );
  finishTrials(trials, options, out);
}
