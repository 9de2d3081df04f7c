import { clientEndsIdle } from './keep-alive.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import type { ChatTemplate } from '../../src/targets/chat-templates.js';
import type { ChatMessage } from '../../src/targets/target.js';

export interface RecountingServerOptions {
  /** The tokenizer the model really runs: its tokens are streamed and listed as logprobs. */
  model: Tokenizer;
  /** The tokenizer usage is counted with, to pass for another model. */
  billing: Tokenizer;
  template: ChatTemplate;
  lifetimeMs?: number;
}

/**
 * An OpenAI-compatible server on 127.0.0.1 that bills prompt and completion tokens counted with one
 * tokenizer while its answers (a slice of the user's text, repeated) stream as another's tokens.
 */
export async function startRecountingServer(
  options: RecountingServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const { model, billing } = options;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"error":{"message":"no route"}}');
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      messages: ChatMessage[];
      max_tokens?: number;
      seed?: number;
      stream?: boolean;
      logprobs?: boolean;
    };
    const user = body.messages.map((m) => m.content).join('\n');
    const start = ((body.seed ?? 0) * 7919) % Math.max(1, user.length - 200);
    const ids = model.encode(user.slice(start, start + 400)).slice(0, body.max_tokens ?? 16);
    // Tokens go out together until their bytes make whole characters, as real servers do.
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const pieces: { text: string; ids: number[] }[] = [];
    let pending: number[] = [];
    for (const id of ids) {
      pending.push(id);
      const text = decoder.decode(model.tokenBytes(id), { stream: true });
      if (text) {
        pieces.push({ text, ids: pending });
        pending = [];
      }
    }
    const text = pieces.map((p) => p.text).join('');
    const promptTokens = billing.encode(options.template.render(body.messages)).length;
    const completionTokens = billing.encode(text).length;
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    const entry = (id: number) => {
      const bytes = model.tokenBytes(id) ?? new Uint8Array();
      return { token: Buffer.from(bytes).toString('utf8'), logprob: -0.1, bytes: [...bytes], top_logprobs: [] };
    };
    const head = { id: 'chatcmpl-recount', created: 0, model: 'recount' };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          ...head,
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: text },
              logprobs: body.logprobs ? { content: ids.map(entry) } : null,
              finish_reason: 'length',
            },
          ],
          usage,
        }),
      );
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (value: unknown) => res.write(`data: ${JSON.stringify(value)}\n\n`);
    for (const piece of pieces)
      send({
        ...head,
        object: 'chat.completion.chunk',
        choices: [
          {
            index: 0,
            delta: { content: piece.text },
            logprobs: body.logprobs ? { content: piece.ids.map(entry) } : null,
            finish_reason: null,
          },
        ],
      });
    send({ ...head, object: 'chat.completion.chunk', choices: [], usage });
    res.end('data: [DONE]\n\n');
  });
  clientEndsIdle(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lifetime = setTimeout(() => server.close(), options.lifetimeMs ?? 5 * 60_000);
  lifetime.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(lifetime);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
