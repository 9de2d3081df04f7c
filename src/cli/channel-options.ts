import { type ChannelName, parseChannels } from '../scoring/channels/channel.js';

/**
 * The channels a run reads: `--channels` when given, else the billed counts plus whatever `--stream`
 * and `--logprobs` ask for. Counts alone set up no channel runtime, so such runs behave as before.
 */
export function enabledChannels(options: {
  channels?: string;
  stream?: boolean;
  logprobs?: boolean;
}): Set<ChannelName> {
  return options.channels !== undefined
    ? parseChannels(options.channels)
    : new Set<ChannelName>([
        'usage',
        ...(options.stream ? (['stream'] as const) : []),
        ...(options.logprobs ? (['logprobs'] as const) : []),
      ]);
}
