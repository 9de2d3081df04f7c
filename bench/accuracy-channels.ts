import type { RunTrace } from './run-trace.js';
import { committedIndexDir } from '../src/references/catalog.js';
import { CHANNEL_NAMES, parseChannels, type ChannelName } from '../src/scoring/channels/registry.js';
import { ChannelRuntime } from '../src/scoring/channels/runtime.js';
import { identify } from '../src/run/driver.js';
import type { Budget } from '../src/scoring/identify.js';
import type { CountIndex } from '../src/signatures/count-index.js';
import { readVocabMembership } from '../src/signatures/vocab-membership-file.js';
import { chatTemplate } from '../src/targets/chat-templates.js';
import { simulatedTarget } from '../src/targets/sim-target.js';
import { hiddenSystemPrompt } from '../src/targets/system-prompts.js';
import { seededRng, seedFromString } from '../src/util/rng.js';
import { median } from './accuracy-table.js';
import { randomSetup, type LoadedBenchReference } from './accuracy-trials.js';
import { withSimFollowUps } from './sim-follow-ups.js';

/** Each row reads one channel alone, `usage` the billed counts alone, `all` every channel fused. */
export const CHANNEL_ROWS: readonly { label: string; channels: string }[] = [
  ...CHANNEL_NAMES.map((name) => ({ label: name, channels: name })),
  // One answer channel beside the counts: it must never make the verdict worse than usage alone.
  { label: 'usage+stream', channels: 'usage,stream' },
  { label: 'usage+logprobs', channels: 'usage,logprobs' },
  { label: 'all', channels: CHANNEL_NAMES.join(',') },
];

/** Channels alone need more answers than counts do; twice the default number of requests. */
export const CHANNEL_BUDGET: Budget = { maxQueries: 12, maxPromptTokens: 30_000 };
/** Servers batch tokens per chunk; a trial draws how many. */
const STREAM_INTERVALS = [1, 1, 2, 4];

export interface ChannelBenchOptions {
  /** References sampled (seeded) from those loaded, when fewer than all keep the bench within ten minutes. */
  references: number;
  trials: number;
}

export const CHANNEL_BENCH_DEFAULTS: ChannelBenchOptions = { references: 10, trials: 1 };

interface RowTally {
  label: string;
  runs: number;
  correct: number;
  /** Requests of the runs that reached a confident verdict. */
  toVerdict: number[];
}

function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  return seededRng(seed)
    .shuffle([...items])
    .slice(0, n);
}

/**
 * Closed-set trials per channel on simulated targets that stream, list logprobs, bill completion tokens,
 * echo the prompt's tokens and say back repeat requests: accuracy and requests to a verdict for each
 * channel alone and for all of them fused.
 */
export async function channelAccuracy(
  loaded: readonly LoadedBenchReference[],
  index: CountIndex,
  seed: number,
  log: (line: string) => void,
  trace?: RunTrace,
  options: ChannelBenchOptions = CHANNEL_BENCH_DEFAULTS,
): Promise<string> {
  const started = Date.now();
  const membership = await readVocabMembership(committedIndexDir());
  const byId = new Map(loaded.map((r) => [r.entry.id, r.tokenizer]));
  const references = sample(loaded, options.references, seed);
  const tallies: RowTally[] = CHANNEL_ROWS.map((row) => ({ label: row.label, runs: 0, correct: 0, toVerdict: [] }));
  for (const reference of references) {
    const id = reference.entry.id;
    const rng = seededRng(seedFromString(`${id} channels`, seed));
    for (let t = 0; t < options.trials; t++) {
      const setup = randomSetup(rng);
      const streamInterval = rng.pick(STREAM_INTERVALS);
      for (const [r, row] of CHANNEL_ROWS.entries()) {
        const enabled: Set<ChannelName> = parseChannels(row.channels);
        const channels =
          row.channels === 'usage'
            ? undefined
            : new ChannelRuntime({ enabled, membership, loadEncoder: async (ref) => byId.get(ref), seed: setup.seed });
        const simulated = simulatedTarget({
          id: `sim:${id}`,
          description: id,
          tokenizer: reference.tokenizer,
          template: chatTemplate(setup.template),
          hiddenSystemPrompt: hiddenSystemPrompt(setup.systemChars, seededRng(setup.seed)),
          answers: { seed: setup.seed, streamInterval },
        });
        const target = withSimFollowUps(simulated, reference.tokenizer);
        const result = await identify({ target, index, budget: CHANNEL_BUDGET, rng: seededRng(setup.seed), channels });
        trace?.add('channels', `${row.label} ${id} stream-interval=${streamInterval} seed=${setup.seed}`, result);
        const tally = tallies[r];
        tally.runs++;
        const correct = result.verdict.status === 'match' && result.verdict.class.includes(id);
        if (correct) tally.correct++;
        if (result.stop === 'confident') tally.toVerdict.push(result.queries);
        if (!correct)
          log(
            `channels ${row.label} ${id} stream-interval=${streamInterval} ${JSON.stringify(setup)}: ${result.verdict.status} ${result.verdict.reference} q${result.queries}`,
          );
      }
    }
    log(`${id}: channel rows done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  return channelTable(
    tallies,
    references.map((r) => r.entry.id),
    options,
    loaded.length,
    Date.now() - started,
  );
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');

function channelTable(
  tallies: readonly RowTally[],
  ids: readonly string[],
  options: ChannelBenchOptions,
  loaded: number,
  ms: number,
): string {
  const header = '| channels | closed-set correct | reached a verdict | median / max requests to a verdict |';
  const rule = '|---|---|---|---|';
  const rows = tallies.map(
    (t) =>
      `| ${t.label} | ${pct(t.correct, t.runs)} (${t.correct}/${t.runs}) | ${t.toVerdict.length}/${t.runs} | ${t.toVerdict.length ? `${median(t.toVerdict)} / ${Math.max(...t.toVerdict)}` : '-'} |`,
  );
  const note =
    `per-channel runs: ${ids.length} of ${loaded} references sampled with the bench seed (${ids.join(', ')}), ${options.trials} trials each; ` +
    `up to ${CHANNEL_BUDGET.maxQueries} requests; stream-interval drawn from ${[...new Set(STREAM_INTERVALS)].join('/')}; ${(ms / 1000).toFixed(0)} s`;
  return ['', header, rule, ...rows, '', note].join('\n');
}
