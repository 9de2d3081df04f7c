import type { Tokenizer } from '../../src/references/tokenizer.js';
import { REPEAT_INSTRUCTION } from '../../src/scoring/channels/repeat-cut.js';
import type { ChatTemplate } from '../../src/targets/chat-templates.js';
import type { ChatMessage } from '../../src/targets/target.js';
import { startJsonServer, type JsonServer } from './generic-json-server.js';

export interface RepeatServerOptions {
  /** The tokenizer the model runs: its tokens are what `max_tokens` cuts. */
  model: Tokenizer;
  /** The tokenizer usage is counted with, when the provider recounts; the model's own otherwise. */
  billing?: Tokenizer;
  template: ChatTemplate;
  /** A model that talks before it repeats ("Sure! ...") rather than saying the text back alone. */
  chatty?: boolean;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** The text of the first tokens, without a character the cut left incomplete (a server holds those bytes back). */
function whole(model: Tokenizer, ids: readonly number[]): string {
  const bytes = Buffer.concat(ids.map((id) => model.tokenBytes(id) ?? new Uint8Array()));
  for (let end = bytes.length; end >= 0; end--) {
    try {
      return strict.decode(bytes.subarray(0, end));
    } catch {
      // the last character is incomplete
    }
  }
  return '';
}

function logprobEntry(model: Tokenizer, id: number) {
  const token = new TextDecoder().decode(model.tokenBytes(id) ?? new Uint8Array());
  return { token, bytes: [...new TextEncoder().encode(token)], logprob: -0.01, top_logprobs: [] };
}

/**
 * OpenAI chat completions on 127.0.0.1 whose model does as asked: a repeat request is said back in the
 * model's tokens and cut at `max_tokens`, with its tokens listed when logprobs are asked for; any other message is
 * answered with a stretch of itself.
 */
export function startRepeatServer(options: RepeatServerOptions): Promise<JsonServer> {
  const { model, template } = options;
  const billing = options.billing ?? model;
  return startJsonServer((r) => {
    if (r.method !== 'POST' || r.path !== '/v1/chat/completions')
      return { status: 404, json: { error: { message: 'no route' } } };
    const body = r.json as { messages: ChatMessage[]; max_tokens?: number; logprobs?: boolean };
    const user = body.messages.at(-1)?.content ?? '';
    const said = user.startsWith(REPEAT_INSTRUCTION)
      ? user.slice(REPEAT_INSTRUCTION.length)
      : user.slice(Math.floor(user.length / 3));
    const all = model.encode(options.chatty ? `Sure! Here it is: ${said}` : said);
    const k = Math.max(1, body.max_tokens ?? 16);
    const ids = all.slice(0, k);
    // SentencePiece spells a space before the text; a server drops it.
    const text = whole(model, ids).replace(/^ /, '');
    const cut = all.length > k;
    const completion = billing === model ? ids.length + (cut ? 0 : 1) : billing.encode(text).length + (cut ? 0 : 1);
    const prompt = billing.encode(template.render(body.messages)).length;
    return {
      status: 200,
      json: {
        id: 'chatcmpl-repeat',
        object: 'chat.completion',
        created: 0,
        model: 'repeat',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text },
            // each token said, as vLLM lists it: its string and that string's UTF-8 bytes
            logprobs: body.logprobs ? { content: ids.map((id) => logprobEntry(model, id)) } : null,
            finish_reason: cut ? 'length' : 'stop',
          },
        ],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      },
    };
  });
}
