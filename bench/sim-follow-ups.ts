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
export function withSimFollowUps(target: Target, tokenizer: Tokenizer): Target {
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
      return {
        ...counted,
        usage: counted.usage && {
          promptTokens: counted.usage.promptTokens,
          completionTokens,
          totalTokens: counted.usage.promptTokens + completionTokens,
        },
        text,
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
