import type { LogprobToken, TargetResponse } from '../../targets/target.js';
import type { ChannelObservation } from './channel.js';

const utf8 = new TextEncoder();

function tokenBytes(token: LogprobToken): Uint8Array {
  return token.bytes ? Uint8Array.from(token.bytes) : utf8.encode(token.token);
}

/** What the output channels read from one answer. */
export function channelObservation(seq: number, response: TargetResponse, maxOutputTokens: number): ChannelObservation {
  const text = response.text ?? response.chunks?.join('') ?? '';
  return {
    seq,
    text,
    chunks: response.chunks,
    tokens: response.logprobTokens?.map((t) => ({ bytes: tokenBytes(t), alternatives: (t.alternatives ?? []).map(tokenBytes) })),
    completionTokens: response.usage.completionTokens,
    maxOutputTokens,
  };
}
