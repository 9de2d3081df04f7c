import type { Tokenizer } from '../../references/tokenizer.js';
import type { PromptTokens, TargetRequest } from '../../targets/target.js';
import type { VocabMembership } from '../../signatures/vocab-membership-file.js';
import type { SignatureGroup } from '../hypotheses.js';
import type { RepeatProbe } from './repeat-cut.js';

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
  /**
   * The part of the scores that counts only what a vocabulary cannot produce (soft evidence left out): what a
   * channel may rule a count's leader out with. The scores themselves when absent.
   */
  ruling?: { match: number[]; derived: number[]; unknown: number };
  /** One line on what the channel saw, for the verdict. */
  note: string;
}

export interface ChannelContext {
  groups: readonly SignatureGroup[];
  membership?: VocabMembership;
  /** The encoder of a group's first reference, when it has been loaded. */
  encoder(group: number): Tokenizer | undefined;
}

/** What a channel needs the target to send besides the billed counts. */
export type ChannelAsks = Partial<Pick<TargetRequest, 'wantChunks' | 'wantLogprobs' | 'wantPromptTokens'>>;

/** Everything the run needs to know about one answer channel; the list of them is in registry.ts. */
export interface Channel<N extends string = string> {
  name: N;
  /** One line for `identify --help`: what the channel reads. */
  help: string;
  asks: ChannelAsks;
  /** Read from a bare count request (the prompt's tokens come back without an answer): no output tokens asked for. */
  promptOnly: boolean;
  /** Reads tokens in the answer or prompt itself rather than a number the provider reports. */
  seen: boolean;
  /** Compares the answers with the leading references' own encodings, so their tokenizers are loaded. */
  needsEncoder: boolean;
  /**
   * Scores every group whether its encoder is loaded or not (one not loaded gets the best score its encoder could
   * earn), so encoders are loaded only while a group not loaded could still lead. Otherwise a group not loaded
   * gets a stand-in score and the leading groups' encoders are loaded after each answer.
   */
  scoresUnloaded?: boolean;
  /**
   * For a count the provider reports: the flag set when that count alone favours a group the tokens seen
   * rule out, and it is set aside.
   */
  inconsistentFlag?: string;
  /** What turns the channel on when `--channels` is not given: nothing needed, or an identify flag. */
  impliedBy?: 'always' | 'stream' | 'logprobs';
  /**
   * Log-likelihoods of the observations under each group; undefined when they hold nothing this channel
   * reads. Absent for the billed count, which the count posterior itself scores.
   */
  score?(observations: readonly ChannelObservation[], context: ChannelContext): ChannelScore | undefined;
  /**
   * A request to send after a count request, beside the count requests (its answer is observed as a
   * follow-up of `seq`), planned from the longest message and the leading groups' encoders.
   */
  followUp?(content: string, encoders: readonly Tokenizer[], seq: number): TargetRequest | undefined;
  /** Its follow-up is sent only while no billed prompt counts are read: beside them it would add requests, not answers. */
  followUpWithoutCounts?: boolean;
}

/** A channel with its name kept as a literal type, so the registry's list gives the union of names. */
export function defineChannel<const N extends string>(channel: Channel<N>): Channel<N> {
  return channel;
}
