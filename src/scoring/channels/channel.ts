import type { Tokenizer } from '../../references/tokenizer.js';
import type { PromptTokens } from '../../targets/target.js';
import type { VocabMembership } from '../../signatures/vocab-membership-file.js';
import { UserError } from '../../util/errors.js';
import type { SignatureGroup } from '../hypotheses.js';
import type { RepeatProbe } from './repeat-cut.js';

/**
 * Every leak identify can read. `usage` is the billed prompt count the core posterior scores; `prompt` is
 * the prompt cut into the server's own tokens (completions echo, vLLM prompt logprobs, tokenize pieces).
 */
export const CHANNEL_NAMES = ['usage', 'logprobs', 'stream', 'completion', 'truncation', 'prompt'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** Channels that read tokens in the answer itself rather than a number the provider reports. */
export const SEEN_CHANNELS: readonly ChannelName[] = ['logprobs', 'stream', 'truncation', 'prompt'];

/** One answer as the output channels see it. */
export interface ChannelObservation {
  seq: number;
  text: string;
  chunks?: string[];
  /** Output tokens by bytes, each with the alternatives listed beside it. */
  tokens?: { bytes: Uint8Array; alternatives: Uint8Array[] }[];
  completionTokens?: number;
  maxOutputTokens: number;
  /** The prompt's tokens as the server cut them, with the message text they are compared on. */
  prompt?: { content: string; tokens: PromptTokens };
  /** The text a repeat request asked to be said back, and the `max_tokens` it was cut at. */
  repeat?: RepeatProbe;
}

/** Log-likelihood of a channel's observations under each group (as a match and as derived) and under unknown. */
export interface ChannelScore {
  match: number[];
  derived: number[];
  unknown: number;
  /**
   * Groups the channel could not compare (a reference not loaded): their scores are a stand-in, so
   * they neither lead nor are ruled out by this channel when counts are checked against it.
   */
  unscored?: boolean[];
  /** One line on what the channel saw, for the verdict. */
  note: string;
}

export interface ChannelContext {
  groups: readonly SignatureGroup[];
  membership?: VocabMembership;
  /** The encoder of a group's first reference, when it has been loaded. */
  encoder(group: number): Tokenizer | undefined;
}

export interface Channel {
  name: ChannelName;
  /** Undefined when the observations hold nothing this channel reads. */
  score(observations: readonly ChannelObservation[], context: ChannelContext): ChannelScore | undefined;
}

export function parseChannels(value: string | undefined): Set<ChannelName> {
  if (value === undefined) return new Set(CHANNEL_NAMES);
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(CHANNEL_NAMES as readonly string[]).includes(n));
  if (bad.length || !names.length)
    throw new UserError(
      `--channels takes a comma-separated list of ${CHANNEL_NAMES.join(', ')}${bad.length ? `, not "${bad.join(',')}"` : ''}`,
    );
  return new Set(names as ChannelName[]);
}
