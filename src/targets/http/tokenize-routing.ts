import { UserError } from '../../util/errors.js';
import type { Target, TargetRequest, TargetResponse } from '../target.js';
import type { HttpTarget } from './executor.js';
import type { Protocol, ProtocolOptions } from './protocol.js';
import { channelName, detectTokenizeChannel, type TokenizeChannel } from './tokenize-detect.js';

export interface TokenizeRoutingInput {
  /** The chat completions target, also the one whose `exchange` sends the probes. */
  chat: HttpTarget;
  /** Its description, before the channel is known. */
  chatDescription: string;
  baseUrl: string;
  /** The base URL as shown, credential parameters redacted. */
  shownBaseUrl?: string;
  protocolOptions: ProtocolOptions;
  /** A target on the same executor settings for a tokenize protocol at another base URL. */
  counter(protocol: Protocol, baseUrl: string): Target;
  /** `tokenize:` targets: without an endpoint there is nothing to count with. */
  required: boolean;
}

/** A target that can send its detection probes before the run's first request. */
export interface PreparedTarget extends Target {
  prepare(): Promise<void>;
}

/** Only a bare count can go to a tokenize endpoint: it has no answer to stream, sample or give logprobs for. */
function countOnly(request: TargetRequest, options: ProtocolOptions): boolean {
  if (options.stream || options.topLogprobs !== undefined) return false;
  return (request.maxOutputTokens ?? 1) <= 1 && !request.wantChunks && !request.wantLogprobs;
}

/**
 * Counts prompts through the server's own tokenize endpoint when it has one (exact and free), else through
 * billed chat completions usage. The endpoint is looked for once, before the first count; every count of a
 * run then goes the same way, so counts stay comparable with each other.
 */
export function tokenizeRoutingTarget(input: TokenizeRoutingInput): PreparedTarget {
  let detection: Promise<{ channel?: TokenizeChannel; counter?: Target }> | undefined;
  let found: { channel?: TokenizeChannel } | undefined;
  const shownBase = input.shownBaseUrl ?? input.baseUrl;
  const detect = () =>
    (detection ??= detectTokenizeChannel(input.chat, input.baseUrl, input.protocolOptions).then((channel) => {
      found = { channel };
      if (!channel && input.required)
        throw new UserError(
          `${input.chat.id}: no tokenize endpoint answered at ${shownBase} (tried vLLM, SGLang, llama.cpp and TGI)`,
        );
      return { channel, counter: channel && input.counter(channel.protocol, channel.baseUrl) };
    }));

  return {
    id: input.chat.id,
    // A tokenize endpoint that shows its tokens (every dialect but SGLang's) adds the prompt's tokens.
    get offers() {
      const chat = input.chat.offers;
      const pieces = found?.channel !== undefined && found.channel.dialect !== 'sglang';
      return chat && { ...chat, promptTokens: chat.promptTokens || pieces };
    },
    get description() {
      const head = input.required ? `tokenize endpoint at ${shownBase}` : input.chatDescription;
      if (!found) return `${head}, tokenize endpoints looked for before the first count`;
      const { channel } = found;
      if (!channel) return `${head}, channel: ${channelName(undefined)} (no tokenize endpoint found)`;
      const how =
        channel.input === 'messages'
          ? ', messages counted through the chat template'
          : ', text counted without the chat template';
      return `${head}, channel: ${channelName(channel)} at ${new URL('tokenize', channel.baseUrl).href}${how}`;
    },
    async prepare() {
      await detect();
    },
    async send(request): Promise<TargetResponse> {
      if (!countOnly(request, input.protocolOptions)) {
        if (input.required)
          throw new UserError(
            `${input.chat.id}: a tokenize endpoint only counts; drop --stream, --logprobs and answer channels`,
          );
        if (!request.wantPromptTokens) return input.chat.send(request);
        return withTokenizedPrompt(request, input.chat, await detect());
      }
      const { channel, counter } = await detect();
      if (!channel || !counter) return input.chat.send(request);
      const response = await counter.send(request);
      return { ...response, metadata: { ...response.metadata, channel: channelName(channel) } };
    },
  };
}

/**
 * An answer with its prompt's tokens from the tokenize endpoint beside it: the answer's billed usage stays
 * what the provider reported, and the endpoint's exact pieces can contradict it.
 */
async function withTokenizedPrompt(
  request: TargetRequest,
  chat: Target,
  found: { channel?: TokenizeChannel; counter?: Target },
): Promise<TargetResponse> {
  const answer = await chat.send(request);
  if (!found.channel || !found.counter || answer.promptTokens) return answer;
  const tokenized = await found.counter.send({ messages: request.messages, maxOutputTokens: 1 });
  if (!tokenized.promptTokens) return answer;
  return {
    ...answer,
    promptTokens: tokenized.promptTokens,
    metadata: { ...answer.metadata, promptTokensFrom: channelName(found.channel) },
  };
}
