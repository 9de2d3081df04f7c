import { enabledChannels } from '../src/cli/channel-options.js';
import { CHANNEL_NAMES, type ChannelName } from '../src/scoring/channels/registry.js';

/** Where a row's target sits: the simulated API in process, or behind a loopback server of one API's wire format. */
export type RowShape = 'sim' | 'openai' | 'openai-no-usage' | 'anthropic' | 'gemini';

/** The identify flags a row runs with, as a user would type them. */
export interface RowFlags {
  channels?: string;
  stream?: boolean;
  /** `--logprobs N`: alternatives asked for at each position. */
  logprobs?: number;
}

export interface ChannelRow {
  label: string;
  shape: RowShape;
  flags: RowFlags;
  /** A version segment the target's base URL ends in, as users copy it from SDK settings (e.g. `/v1`). */
  versionSuffix?: string;
}

const ALL = CHANNEL_NAMES.join(',');

/** The channels a row reads: what the CLI reads for the same flags. */
export function rowChannels(row: ChannelRow): { enabled: Set<ChannelName>; discover: boolean } {
  return enabledChannels({
    channels: row.flags.channels,
    stream: row.flags.stream,
    logprobs: row.flags.logprobs !== undefined,
  });
}

/** Each channel alone, the billed counts with one answer channel beside them, and every channel fused. */
const SIM_ROWS: ChannelRow[] = [
  ...CHANNEL_NAMES.map((name) => ({ label: name, shape: 'sim' as const, flags: { channels: name } })),
  // One answer channel beside the counts: it must never make the verdict worse than usage alone.
  ...CHANNEL_NAMES.filter((name) => name !== 'usage').map((name) => ({
    label: `usage+${name}`,
    shape: 'sim' as const,
    flags: { channels: `usage,${name}` },
  })),
  { label: 'all', shape: 'sim', flags: { channels: ALL } },
];

const flagLabel = (flags: RowFlags) =>
  [
    flags.stream ? '--stream' : '',
    flags.logprobs !== undefined ? `--logprobs ${flags.logprobs}` : '',
    flags.channels !== undefined ? `--channels ${flags.channels === ALL ? 'all' : flags.channels}` : '',
  ]
    .filter(Boolean)
    .join(' ') || 'default flags';

function wire(shape: Exclude<RowShape, 'sim'>, flags: RowFlags[]): ChannelRow[] {
  return flags.map((f) => ({ label: `${shape}: ${flagLabel(f)}`, shape, flags: f }));
}

/**
 * The same simulated model read by the real adapters through each API's wire format: what a user gets with the
 * plain flags, each answer channel the API documents alone, and everything.
 */
const WIRE_ROWS: ChannelRow[] = [
  ...wire('openai', [
    {},
    { stream: true },
    { logprobs: 5 },
    { channels: 'stream' },
    { channels: 'logprobs' },
    { channels: ALL },
  ]),
  // Gateways that drop `usage`: the seen tokens and completion counts must carry the run.
  ...wire('openai-no-usage', [{}]),
  ...wire('anthropic', [
    {},
    { stream: true },
    { channels: 'stream' },
    { channels: 'usage,completion,truncation' },
    { channels: ALL },
  ]),
  ...wire('gemini', [
    {},
    { stream: true },
    { logprobs: 5 },
    { channels: 'stream' },
    { channels: 'logprobs' },
    { channels: 'usage,completion,truncation' },
    { channels: ALL },
  ]),
  // The base URL as SDK settings give it, with the version segment: the same API, so the same verdicts.
  { label: 'anthropic, base URL …/v1: default flags', shape: 'anthropic', flags: {}, versionSuffix: '/v1' },
  { label: 'gemini, base URL …/v1beta: default flags', shape: 'gemini', flags: {}, versionSuffix: '/v1beta' },
];

/** The rows to run: in process, and through the wire unless left out; only those whose label holds one of `only`. */
export function channelRows(withWire: boolean, only?: readonly string[]): ChannelRow[] {
  const rows = withWire ? [...SIM_ROWS, ...WIRE_ROWS] : SIM_ROWS;
  return only ? rows.filter((row) => only.some((part) => row.label.includes(part))) : rows;
}
