import type { Tokenizer } from '../src/references/tokenizer.js';
import { repeatProbeOf } from '../src/scoring/channels/repeat-cut.js';
import { promptTokensFromPieces } from '../src/targets/http/prompt-pieces.js';
import type { Target, TargetRequest, TargetResponse } from '../src/targets/target.js';

const strict = new TextDecoder('utf-8', { fatal: true });

function wholeText(bytes: Uint8Array): string {
  for (let end = bytes.length; end >= 0; end--) {
    try {
      return strict.decode(bytes.subarray(0, end));
    } catch {
      // the cut left the last character incomplete; a server holds those bytes back
    }
  }
  return '';
}

/** The tokens said, `interval` per chunk, a character split between tokens held until whole, without the leading space. */
function streamed(tokenizer: Tokenizer, ids: readonly number[], interval: number): string[] {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const chunks: string[] = [];
  let pending = '';
  ids.forEach((id, i) => {
    pending += decoder.decode(tokenizer.tokenBytes(id) ?? new Uint8Array(), { stream: true });
    if (!chunks.length) pending = pending.replace(/^ /, '');
    if (pending && ((i + 1) % interval === 0 || i === ids.length - 1)) {
      chunks.push(pending);
      pending = '';
    }
  });
  return chunks;
}

/** The longest message in the reference's tokens, as a completions echo or a tokenize endpoint shows it. */
function echoedPrompt(tokenizer: Tokenizer, request: TargetRequest): TargetResponse['promptTokens'] {
  const content = request.messages.reduce((best, m) => (m.content.length > best.length ? m.content : best), '');
  return promptTokensFromPieces(
    'echo',
    tokenizer.encode(content).map((id) => tokenizer.tokenBytes(id) ?? new Uint8Array()),
  );
}

/**
 * A simulated API whose model also does what the answer channels' own requests ask: a repeat request is
 * said back in its tokens and cut at `max_tokens`, and the prompt's tokens come back when asked for.
 */
export function withSimFollowUps(target: Target, tokenizer: Tokenizer, streamInterval = 1): Target {
  return {
    id: target.id,
    description: target.description,
    async send(request) {
      const probe = repeatProbeOf(request);
      if (!probe) {
        const response = await target.send(request);
        return request.wantPromptTokens ? { ...response, promptTokens: echoedPrompt(tokenizer, request) } : response;
      }
      const counted = await target.send({ messages: request.messages, maxOutputTokens: 1 });
      const all = tokenizer.encode(probe.source);
      const ids = all.slice(0, probe.k);
      const cut = all.length > probe.k;
      const text = wholeText(Buffer.concat(ids.map((id) => tokenizer.tokenBytes(id) ?? new Uint8Array()))).replace(
        /^ /,
        '',
      );
      const completionTokens = ids.length + (cut ? 0 : 1);
      // the tokens said, as a logprobs answer lists them
      const logprobTokens = request.wantLogprobs
        ? ids.map((id) => {
            const bytes = tokenizer.tokenBytes(id) ?? new Uint8Array();
            return { token: Buffer.from(bytes).toString('utf8'), bytes: [...bytes], logprob: -0.01, alternatives: [] };
          })
        : undefined;
      return {
        ...counted,
        usage: counted.usage && {
          promptTokens: counted.usage.promptTokens,
          completionTokens,
          totalTokens: counted.usage.promptTokens + completionTokens,
        },
        text,
        ...(logprobTokens && { logprobTokens }),
        ...(request.wantChunks && { chunks: streamed(tokenizer, ids, streamInterval) }),
        raw: {
          request: { messages: request.messages, max_tokens: probe.k },
          response: {
            choices: [{ message: { role: 'assistant', content: text }, finish_reason: cut ? 'length' : 'stop' }],
          },
        },
      };
    },
  };
}
