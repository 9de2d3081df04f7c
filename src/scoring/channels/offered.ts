import type { TargetOffers, TargetResponse } from '../../targets/target.js';
import type { ChannelName } from './registry.js';

/** What one answer showed the target gives: counts, chunks, logprob tokens, the prompt's tokens. */
export function offersSeen(response: TargetResponse): TargetOffers {
  return {
    usage: response.usage !== undefined,
    chunks: response.chunks !== undefined,
    logprobs: (response.logprobTokens?.length ?? 0) > 0,
    promptTokens: response.promptTokens !== undefined,
  };
}

/** The channels a target can be read through, given what it offers. */
export function channelsOffered(offers: TargetOffers, completionCounts = offers.usage): Set<ChannelName> {
  const answers = offers.answers !== false;
  const out = new Set<ChannelName>(answers ? ['truncation'] : []);
  if (offers.usage) out.add('usage');
  if (completionCounts && answers) out.add('completion');
  if (offers.chunks) out.add('stream');
  if (offers.logprobs) out.add('logprobs');
  if (offers.promptTokens) out.add('prompt');
  return out;
}

type Shown = Exclude<keyof TargetOffers, 'answers'>;

const SHOWN: Record<Shown, string> = {
  usage: 'billed token counts',
  chunks: 'streamed chunks',
  logprobs: 'logprob tokens',
  promptTokens: "the prompt's tokens",
};

/** "billed token counts and streamed chunks": what the target gives, in words. */
export function offersText(offers: TargetOffers): string {
  const given = (Object.keys(SHOWN) as Shown[]).filter((k) => offers[k]).map((k) => SHOWN[k]);
  if (!given.length) return 'nothing beyond the answer text';
  return given.length === 1 ? given[0] : `${given.slice(0, -1).join(', ')} and ${given.at(-1)}`;
}
