import { type ChannelName, impliedChannels, parseChannels } from '../scoring/channels/registry.js';

/** Tried when no channel is named: the first answer asks for each, and the run reads those the target gives. */
export const DISCOVERED: readonly ChannelName[] = ['usage', 'completion', 'stream', 'logprobs', 'truncation'];

/**
 * The channels a run reads: `--channels` when given; the billed counts plus whatever `--stream` and `--logprobs`
 * ask for; with neither, every channel the target shows it gives on the first answer (`discover`).
 */
export function enabledChannels(options: { channels?: string; stream?: boolean; logprobs?: boolean }): {
  enabled: Set<ChannelName>;
  discover: boolean;
} {
  if (options.channels !== undefined) return { enabled: parseChannels(options.channels), discover: false };
  if (options.stream || options.logprobs) return { enabled: impliedChannels(options), discover: false };
  return { enabled: new Set(DISCOVERED), discover: true };
}
