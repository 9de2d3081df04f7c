import { UserError } from '../../util/errors.js';
import { Registry } from '../../util/registry.js';
import { completionChannel, truncationChannel } from './count-channels.js';
import { logprobChannel } from './logprob-channel.js';
import { promptChannel } from './prompt-channel.js';
import { streamChannel } from './stream-channel.js';
import { usageChannel } from './usage-channel.js';

/**
 * Every leak identify can read, in the order they are listed, scored and fused. A new channel is one
 * descriptor (see Channel) and one item here.
 */
const LIST = [
  usageChannel,
  logprobChannel,
  streamChannel,
  completionChannel,
  truncationChannel,
  promptChannel,
] as const;

export type ChannelName = (typeof LIST)[number]['name'];

export const CHANNELS = new Registry<(typeof LIST)[number], ChannelName>('answer channel', LIST, (c) => c.name);

export const CHANNEL_NAMES: readonly ChannelName[] = CHANNELS.names;

/** Channels that read tokens in the answer itself rather than a number the provider reports. */
export const SEEN_CHANNELS: readonly ChannelName[] = CHANNELS.entries.filter((c) => c.seen).map((c) => c.name);

export function parseChannels(value: string | undefined): Set<ChannelName> {
  if (value === undefined) return new Set(CHANNEL_NAMES);
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !CHANNELS.has(n));
  if (bad.length || !names.length)
    throw new UserError(
      `--channels takes a comma-separated list of ${CHANNEL_NAMES.join(', ')}${bad.length ? `, not "${bad.join(',')}"` : ''}`,
    );
  return new Set(names as ChannelName[]);
}

/** The channels read when `--channels` is not given: those always on and those the identify flags ask for. */
export function impliedChannels(flags: { stream?: boolean; logprobs?: boolean }): Set<ChannelName> {
  const on = (c: (typeof LIST)[number]) =>
    c.impliedBy === 'always' || (c.impliedBy !== undefined && flags[c.impliedBy]);
  return new Set(CHANNELS.entries.filter(on).map((c) => c.name));
}

/** Whether the channels read anything beyond the billed counts the count posterior scores. */
export function readsAnswerChannels(enabled: ReadonlySet<ChannelName>): boolean {
  return [...enabled].some((name) => CHANNELS.get(name).score !== undefined);
}

/** The `--channels` lines of `identify --help`. */
export function channelsHelp(): string {
  const width = Math.max(...CHANNEL_NAMES.map((n) => n.length)) + 2;
  return `\nAnswer channels (--channels):\n${CHANNELS.entries.map((c) => `  ${c.name.padEnd(width)}${c.help}`).join('\n')}`;
}
