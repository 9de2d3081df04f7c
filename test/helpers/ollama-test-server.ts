import type { Tokenizer } from '../../src/references/tokenizer.js';
import type { ChatTemplate } from '../../src/targets/chat-templates.js';
import type { ChatMessage } from '../../src/targets/target.js';
import { startJsonServer, type JsonServer, type ServerAnswer } from './generic-json-server.js';

/**
 * A loopback stand-in for Ollama's native API: `/api/chat`, `/api/generate` and `/api/version`, streaming
 * NDJSON unless `stream: false`, counting the prompt as the model's template lays it out. It keeps the last
 * prompt as its cache, and reports the cached prefix in `prompt_eval_cached_count`.
 */
export interface OllamaServerOptions {
  tokenizer: Tokenizer;
  template: ChatTemplate;
  model: string;
  reply?: string;
  /** Behave like Ollama before mid-2024: leave out `prompt_eval_count` when the whole prompt was cached. */
  omitCachedPromptCount?: boolean;
}

export async function startOllamaServer(options: OllamaServerOptions): Promise<JsonServer> {
  const { tokenizer, template } = options;
  const replyIds = tokenizer.encode(options.reply ?? 'OK, I read it all.');
  let lastPrompt: number[] = [];
  const fail = (status: number, error: string): ServerAnswer => ({ status, json: { error } });
  return startJsonServer((request) => {
    if (request.method === 'GET' && request.path === '/api/version')
      return { status: 200, json: { version: '0.12.6' } };
    if (request.method !== 'POST' || (request.path !== '/api/chat' && request.path !== '/api/generate'))
      return { status: 404, text: '404 page not found' };
    const body = request.json;
    if (!isObject(body)) return fail(400, 'invalid character looking for beginning of value');
    if (typeof body.model !== 'string' || !body.model) return fail(400, 'model is required');
    if (body.model !== options.model) return fail(404, `model '${body.model}' not found`);
    const chat = request.path === '/api/chat';
    let rendered: string;
    if (chat) {
      if (!Array.isArray(body.messages)) return fail(400, 'messages is required');
      const messages = body.messages as ChatMessage[];
      if (
        !messages.every(
          (m) =>
            isObject(m) && ['system', 'user', 'assistant', 'tool'].includes(m.role) && typeof m.content === 'string',
        )
      )
        return fail(400, 'invalid message');
      rendered = template.render(messages);
    } else {
      if (typeof body.prompt !== 'string') return fail(400, 'prompt is required');
      const system: ChatMessage[] = typeof body.system === 'string' ? [{ role: 'system', content: body.system }] : [];
      rendered = body.raw === true ? body.prompt : template.render([...system, { role: 'user', content: body.prompt }]);
    }
    const prompt = tokenizer.encode(rendered);
    let cached = 0;
    while (cached < prompt.length && cached < lastPrompt.length && prompt[cached] === lastPrompt[cached]) cached++;
    // The last prompt token is always evaluated again to get the next token's logits.
    cached = Math.min(cached, prompt.length - 1);
    lastPrompt = prompt;
    const numPredict =
      isObject(body.options) && typeof body.options.num_predict === 'number' && body.options.num_predict >= 0
        ? body.options.num_predict
        : replyIds.length;
    const out = replyIds.slice(0, numPredict);
    const text = new TextDecoder().decode(
      Buffer.concat(out.map((id) => Buffer.from(tokenizer.tokenBytes(id) ?? new Uint8Array()))),
    );
    const omitCount = options.omitCachedPromptCount && cached === prompt.length - 1 && prompt.length > 1;
    const final = {
      model: body.model,
      created_at: '2026-01-01T00:00:00Z',
      ...(chat ? { message: { role: 'assistant', content: text } } : { response: text }),
      done: true,
      done_reason: out.length < replyIds.length ? 'length' : 'stop',
      total_duration: 1000000,
      ...(!omitCount && { prompt_eval_count: prompt.length }),
      ...(cached > 0 && !options.omitCachedPromptCount && { prompt_eval_cached_count: cached }),
      eval_count: out.length,
    };
    if (body.stream === false) return { status: 200, json: final };
    return {
      status: 200,
      ndjson: [
        {
          model: body.model,
          created_at: final.created_at,
          ...(chat ? { message: { role: 'assistant', content: text } } : { response: text }),
          done: false,
        },
        { ...final, ...(chat ? { message: { role: 'assistant', content: '' } } : { response: '' }) },
      ],
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
