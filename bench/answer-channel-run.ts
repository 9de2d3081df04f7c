import { enabledChannels } from '../src/cli/channel-options.js';
import { committedIndexDir } from '../src/references/catalog.js';
import type { Tokenizer } from '../src/references/tokenizer.js';
import { identify } from '../src/run/driver.js';
import { ChannelRuntime } from '../src/scoring/channels/runtime.js';
import { DEFAULT_BUDGET, type IdentifyResult } from '../src/scoring/identify.js';
import type { CountIndex } from '../src/signatures/count-index.js';
import { readVocabMembership, type VocabMembership } from '../src/signatures/vocab-membership-file.js';
import { seededRng } from '../src/util/rng.js';
import { type LoadedBenchReference, setupTarget, type SimSetup } from './accuracy-trials.js';
import { withSimFollowUps } from './sim-follow-ups.js';

export type RunTarget = (
  tokenizer: Tokenizer,
  setup: SimSetup,
  index: CountIndex,
  id: string,
) => Promise<IdentifyResult>;

const STREAM_INTERVALS = [1, 2, 3, 4];

/** Only the classes the run's index holds: a class left out of the index is left out of the tokens' evidence too. */
function membershipOf(membership: VocabMembership, index: CountIndex): VocabMembership {
  const indexed = new Set(index.classes.map((c) => c.id));
  return { ...membership, classes: membership.classes.filter((c) => indexed.has(c.id)) };
}

/**
 * Runs a simulated target that also streams its answers, lists logprob tokens and says back repeat requests, read
 * with the CLI's default channels (those the first answer shows): what a user gets from such an API, for the closed,
 * open, derived and open-kinds sections (`--answer-channels`).
 */
export async function answerChannelRun(loaded: readonly LoadedBenchReference[]): Promise<RunTarget> {
  const membership = await readVocabMembership(committedIndexDir());
  if (!membership) throw new Error('--answer-channels needs the committed vocabulary membership file');
  const byId = new Map(loaded.map((r) => [r.entry.id, r.tokenizer]));
  return async (tokenizer, setup, index, id) => {
    const rng = seededRng(setup.seed);
    const streamInterval = rng.pick(STREAM_INTERVALS);
    const simulated = setupTarget(tokenizer, setup, id, { seed: setup.seed, streamInterval });
    const { enabled, discover } = enabledChannels({});
    const channels = new ChannelRuntime({
      enabled,
      discover,
      membership: membershipOf(membership, index),
      loadEncoder: async (ref) => byId.get(ref),
      seed: setup.seed,
    });
    return identify({
      target: withSimFollowUps(simulated, tokenizer, streamInterval),
      index,
      budget: DEFAULT_BUDGET,
      rng: seededRng(setup.seed),
      channels,
    });
  };
}
