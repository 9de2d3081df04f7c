import type { RunConfig } from '../run/run-record.js';
import type { ChannelRuntime } from '../scoring/channels/runtime.js';
import type { TargetDeps } from '../targets/create-target.js';
import { channelRuntime } from './channel-options.js';

/** The channels a recorded run read, set up as it set them up; undefined for a run of counts alone. */
export function recordedChannelRuntime(
  config: Pick<RunConfig, 'channels' | 'seed'>,
  indexDir: string,
  reference: TargetDeps['reference'],
): Promise<ChannelRuntime | undefined> {
  return channelRuntime({ channels: config.channels?.join(','), seed: config.seed }, indexDir, reference);
}
