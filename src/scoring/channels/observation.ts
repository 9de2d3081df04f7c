import type { LogprobToken, TargetRequest, TargetResponse } from '../../targets/target.js';
import type { ChannelObservation } from './channel.js';
import { repeatProbeOf } from './repeat-cut.js';

const utf8 = new TextEncoder();

function tokenBytes(token: LogprobToken): Uint8Array {
  return token.bytes ? Uint8Array.from(token.bytes) : utf8.encode(token.token);
}

/** The message a prompt's tokens are compared on: the longest, as a probe pack is. */
function longestContent(request: TargetRequest): string {
  return request.messages.reduce((best, m) => (m.content.length > best.length ? m.content : best), '');
}

/** What the output channels read from one answer. */
export function channelObservation(seq: number, request: TargetRequest, response: TargetResponse): ChannelObservation {
  const text = response.text ?? response.chunks?.join('') ?? '';
  const content = longestContent(request);
  const repeat = repeatProbeOf(request);
  return {
    seq,
    text,
    chunks: response.chunks,
    tokens: response.logprobTokens?.map((t) => ({
      bytes: tokenBytes(t),
      alternatives: (t.alternatives ?? []).map(tokenBytes),
    })),
    completionTokens: response.usage?.completionTokens,
    maxOutputTokens: request.maxOutputTokens ?? 1,
    ...(response.promptTokens && content && { prompt: { content, tokens: response.promptTokens } }),
    ...(repeat && { repeat }),
  };
}
