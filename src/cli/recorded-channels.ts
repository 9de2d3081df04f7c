import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../report/run-dir.js';
import type { RunConfig } from '../report/run-record.js';
import type { ChannelRuntime } from '../scoring/channels/runtime.js';
import type { TargetDeps } from '../targets/create-target.js';
import { channelRuntime } from './channel-options.js';

/** A run's config as it was written when the run started; undefined when it cannot be read. */
export function recordedConfig(runDir: string): RunConfig | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir, RUN_FILES.config), 'utf8')) as RunConfig;
  } catch {
    return undefined;
  }
}

/** The channels a recorded run read, set up as it set them up; undefined for a run of counts alone. */
export function recordedChannelRuntime(config: Pick<RunConfig, 'channels' | 'seed'>, indexDir: string, reference: TargetDeps['reference']): Promise<ChannelRuntime | undefined> {
  return channelRuntime({ channels: config.channels?.join(','), seed: config.seed }, indexDir, reference);
}
