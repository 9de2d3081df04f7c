import { type ChannelName, impliedChannels, parseChannels } from '../scoring/channels/registry.js';

/**
 * The channels a run reads: `--channels` when given, else the billed counts plus whatever `--stream`
 * and `--logprobs` ask for. Counts alone set up no channel runtime, so such runs behave as before.
 */
export function enabledChannels(options: {
  channels?: string;
  stream?: boolean;
  logprobs?: boolean;
}): Set<ChannelName> {
  return options.channels !== undefined ? parseChannels(options.channels) : impliedChannels(options);
}
