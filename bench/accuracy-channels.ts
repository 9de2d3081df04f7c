import type { RunTrace } from './run-trace.js';
import { committedIndexDir } from '../src/references/catalog.js';
import { readsAnswerChannels } from '../src/scoring/channels/registry.js';
import { ChannelRuntime } from '../src/scoring/channels/runtime.js';
import { identify } from '../src/run/driver.js';
import type { Budget } from '../src/scoring/identify.js';
import type { CountIndex } from '../src/signatures/count-index.js';
import { readVocabMembership, type VocabMembership } from '../src/signatures/vocab-membership-file.js';
import { chatTemplate } from '../src/targets/chat-templates.js';
import { createTarget } from '../src/targets/create-target.js';
import { simulatedTarget } from '../src/targets/sim-target.js';
import { hiddenSystemPrompt } from '../src/targets/system-prompts.js';
import type { Target } from '../src/targets/target.js';
import { seededRng, seedFromString } from '../src/util/rng.js';
import { randomSetup, type LoadedBenchReference, type SimSetup } from './accuracy-trials.js';
import { type ChannelRow, channelRows, type RowShape, rowChannels } from './channel-rows.js';
import {
  channelTable,
  failedRun,
  kindTable,
  RowTally,
  type RunOutcome,
  runOutcome,
  wireNotes,
} from './channel-table.js';
import { withSimFollowUps } from './sim-follow-ups.js';
import { vocabularyKind } from './vocabulary-kind.js';
import { startAnthropicShapedServer } from './wire/anthropic-shaped.js';
import { startGeminiShapedServer } from './wire/gemini-shaped.js';
import { startOpenAiShapedServer } from './wire/openai-shaped.js';
import type { WireServer } from './wire/wire-server.js';

/** Channels alone need more answers than counts do; twice the default number of requests. */
export const CHANNEL_BUDGET: Budget = { maxQueries: 12, maxPromptTokens: 30_000 };
/** Servers batch tokens per chunk (vLLM's `--stream-interval`); each trial draws how many. */
const STREAM_INTERVALS = [1, 2, 3, 4];
/** The API families whose wire rows take turns over (reference, seed) pairs, to keep the bench within ten minutes. */
const WIRE_FAMILIES: readonly RowShape[][] = [['openai', 'openai-no-usage'], ['anthropic'], ['gemini']];

export interface ChannelBenchOptions {
  /** Bench seeds; each draws its own setups, and the tables are given per seed and pooled. */
  seeds: number[];
  /** References sampled (seeded) from those loaded; all when absent. */
  references?: number;
  /** Rows through each API's wire format beside the in-process ones. */
  wire: boolean;
  /** Every API family's wire rows for every reference and seed, instead of taking turns. */
  everyApi: boolean;
  /** Only the rows whose label holds one of these. */
  rows?: string[];
}

interface Trial {
  reference: LoadedBenchReference;
  setup: SimSetup;
  streamInterval: number;
}

function simModel(trial: Trial): Target {
  const { reference, setup, streamInterval } = trial;
  const id = reference.entry.id;
  const simulated = simulatedTarget({
    id: `sim:${id}`,
    description: id,
    tokenizer: reference.tokenizer,
    template: chatTemplate(setup.template),
    hiddenSystemPrompt: hiddenSystemPrompt(setup.systemChars, seededRng(setup.seed)),
    answers: { seed: setup.seed, streamInterval },
  });
  return withSimFollowUps(simulated, reference.tokenizer, streamInterval);
}

const WIRE_ENV = {
  OPENAI_API_KEY: 'sk-bench-openai',
  ANTHROPIC_API_KEY: 'sk-ant-bench',
  GEMINI_API_KEY: 'bench-gemini-key',
};

/** The simulated model behind a loopback server of `shape`'s API, and the target id the adapter reads it by. */
async function startWire(
  shape: Exclude<RowShape, 'sim'>,
  model: Target,
  suffix = '',
): Promise<{ server: WireServer; id: string }> {
  switch (shape) {
    case 'openai':
    case 'openai-no-usage': {
      const server = await startOpenAiShapedServer(model, { omitUsage: shape === 'openai-no-usage' });
      return { server, id: `openai:${server.url}/v1` };
    }
    case 'anthropic': {
      const server = await startAnthropicShapedServer(model);
      return { server, id: `anthropic:${server.url}${suffix}` };
    }
    case 'gemini': {
      const server = await startGeminiShapedServer(model);
      return { server, id: `gemini:${server.url}${suffix}` };
    }
  }
}

class ChannelBench {
  private membership?: VocabMembership;
  private readonly byId: Map<string, LoadedBenchReference['tokenizer']>;

  constructor(
    loaded: readonly LoadedBenchReference[],
    private readonly index: CountIndex,
    private readonly trace?: RunTrace,
  ) {
    this.byId = new Map(loaded.map((r) => [r.entry.id, r.tokenizer]));
  }

  async init(): Promise<void> {
    this.membership = await readVocabMembership(committedIndexDir());
  }

  private runtime(row: ChannelRow, seed: number): ChannelRuntime | undefined {
    const { enabled, discover } = rowChannels(row);
    if (!readsAnswerChannels(enabled)) return undefined;
    return new ChannelRuntime({
      enabled,
      discover,
      membership: this.membership,
      loadEncoder: async (ref) => this.byId.get(ref),
      seed,
    });
  }

  async run(row: ChannelRow, trial: Trial): Promise<{ outcome: RunOutcome; notes?: Map<string, number> }> {
    const { reference, setup } = trial;
    const id = reference.entry.id;
    let server: WireServer | undefined;
    try {
      let target: Target;
      if (row.shape === 'sim') target = simModel(trial);
      else {
        const wire = await startWire(row.shape, simModel(trial), row.versionSuffix);
        server = wire.server;
        target = await createTarget(wire.id, {
          cwd: process.cwd(),
          env: WIRE_ENV,
          reference: async () => {
            throw new Error('no references behind an HTTP target');
          },
          http: {
            model: 'bench-model',
            retries: 0,
            timeoutMs: 30_000,
            requestsPerSecond: 1_000_000,
            concurrency: 16,
            detectTokenize: false,
            ...(row.flags.stream && { stream: true }),
            ...(row.flags.logprobs !== undefined && { topLogprobs: row.flags.logprobs }),
          },
        });
      }
      const result = await identify({
        target,
        index: this.index,
        budget: CHANNEL_BUDGET,
        rng: seededRng(setup.seed),
        channels: this.runtime(row, setup.seed),
      });
      this.trace?.add(
        'channels',
        `${row.label} ${id} stream-interval=${trial.streamInterval} seed=${setup.seed}`,
        result,
      );
      return {
        outcome: runOutcome(result, id, reference.entry.family, vocabularyKind(reference)),
        notes: server?.notes,
      };
    } catch (error) {
      return { outcome: failedRun(error, vocabularyKind(reference)), notes: server?.notes };
    } finally {
      await server?.close();
    }
  }
}

function sample<T>(items: readonly T[], n: number | undefined, seed: number): T[] {
  if (n === undefined || n >= items.length) return [...items];
  return seededRng(seed)
    .shuffle([...items])
    .slice(0, n);
}

function describeOutcome(outcome: RunOutcome): string {
  if (outcome.error) return `failed: ${outcome.error}`;
  return `${outcome.correct ? 'right' : outcome.familyCorrect ? 'right family' : 'wrong'} q${outcome.requests}${outcome.flags.length ? ` flags ${outcome.flags.join(',')}` : ''}`;
}

/**
 * Closed-set trials per channel row on honest simulated targets that stream, list logprobs, bill completion
 * tokens, echo the prompt's tokens and say back repeat requests, in process and through each API's wire format:
 * a table per seed and one pooled, each with its false-flag row.
 */
export async function channelAccuracy(
  loaded: readonly LoadedBenchReference[],
  index: CountIndex,
  options: ChannelBenchOptions,
  log: (line: string) => void,
  trace?: RunTrace,
): Promise<string> {
  const started = Date.now();
  const bench = new ChannelBench(loaded, index, trace);
  await bench.init();
  const rows = channelRows(options.wire, options.rows);
  const perSeed: RowTally[][] = [];
  const out: string[] = [];
  for (const [s, seed] of options.seeds.entries()) {
    const tallies = rows.map((row) => new RowTally(row.label));
    const references = sample(loaded, options.references, seed);
    for (const [r, reference] of references.entries()) {
      const id = reference.entry.id;
      const rng = seededRng(seedFromString(`${id} channels`, seed));
      const trial: Trial = { reference, setup: randomSetup(rng), streamInterval: rng.pick(STREAM_INTERVALS) };
      const apis = options.everyApi ? WIRE_FAMILIES.flat() : WIRE_FAMILIES[(r + s) % WIRE_FAMILIES.length];
      for (const [i, row] of rows.entries()) {
        if (row.shape !== 'sim' && !apis.includes(row.shape)) continue;
        const { outcome, notes } = await bench.run(row, trial);
        tallies[i].add(outcome, notes);
        if (!outcome.correct || outcome.flags.length)
          log(
            `seed ${seed} ${row.label} ${id} stream-interval=${trial.streamInterval} ${JSON.stringify(trial.setup)}: ${describeOutcome(outcome)}`,
          );
      }
      log(`seed ${seed} ${id}: channel rows done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    perSeed.push(tallies);
    out.push('', `Channels, seed ${seed} (${references.length} references):`, '', channelTable(tallies));
  }
  if (options.seeds.length > 1) {
    const pooled = rows.map((row, i) =>
      RowTally.pooled(
        row.label,
        perSeed.map((t) => t[i]),
      ),
    );
    out.push('', `Channels, seeds ${options.seeds.join(', ')} pooled:`, '', channelTable(pooled), wireNotes(pooled));
    out.push('', 'Per vocabulary kind, seeds pooled:', '', kindTable(pooled));
  } else out.push(wireNotes(perSeed[0]), '', 'Per vocabulary kind:', '', kindTable(perSeed[0]));
  const wire = options.wire
    ? `; wire rows through loopback servers of each API's documented format, read by the real adapters, ${options.everyApi ? 'every API for every reference' : 'one API family per reference and seed, taking turns'}`
    : '';
  out.push(
    '',
    `channel rows: ${options.references ?? 'all'} of ${loaded.length} references per seed, 1 trial each (template, hidden prompt and stream-interval ${STREAM_INTERVALS.join('/')} drawn per trial); ` +
      `up to ${CHANNEL_BUDGET.maxQueries} requests${wire}; ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  return out.join('\n');
}
