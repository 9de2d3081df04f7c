import { clientEndsIdle } from './keep-alive.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tokenizer } from '../../src/references/tokenizer.js';

export interface LivePromptServer {
  url: string;
  /** The hidden system prompts billed so far, in order. */
  hiddenPrompts: string[];
  close(): Promise<void>;
}

/** A retrieved memory, as a product's hidden prompt carries now and then: a large jump of the billed count. */
const memory = (visits: number) =>
  Array.from(
    { length: visits },
    (_, i) =>
      `On visit ${i + 1} the user asked about train times between Porto and Lisbon, preferred window seats and wanted answers without jargon.`,
  ).join(' ');

/**
 * An OpenAI-compatible chat server, written apart from the simulated targets, whose hidden system prompt ends
 * with the time to the second and a random base-36 request id of 6-12 characters, as chat products stamp their
 * instructions. It lays the chat out in ChatML, bills the prompt as `tokenizer` counts it, and answers "OK".
 * `now` is the clock (the real one unless given); the id comes from a small generator seeded with `seed`.
 * `memoryOn` names the requests (from 1) whose hidden prompt also carries a retrieved memory of about 150 words
 * (of `memoryVisits` sentences when given: 10 by default). With `stamped: false` the hidden prompt carries no time
 * and no id: the memory is all that changes.
 */
export async function startLivePromptServer(options: {
  tokenizer: Tokenizer;
  seed: number;
  now?: () => Date;
  memoryOn?: readonly number[];
  memoryVisits?: number;
  stamped?: boolean;
}): Promise<LivePromptServer> {
  let state = options.seed >>> 0 || 1;
  // xorshift32: the server's own generator, so its ids share nothing with the code under test
  const random = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
  const now = options.now ?? (() => new Date());
  const hiddenPrompts: string[] = [];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'not found' } }));
    }
    const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
      model?: string;
      messages: { role: string; content: string }[];
    };
    const id = Array.from({ length: 6 + Math.floor(random() * 7) }, () => Math.floor(random() * 36).toString(36)).join(
      '',
    );
    const remembered = options.memoryOn?.includes(hiddenPrompts.length + 1)
      ? `\nRemembered about this user: ${memory(options.memoryVisits ?? 10)}`
      : '';
    const stamp =
      options.stamped === false
        ? ''
        : `\nCurrent time: ${now().toISOString().slice(0, 19).replace('T', ' ')} UTC\nRequest id: ${id}`;
    const hidden = `You are Aurora, the assistant of Example Corp. Answer briefly and politely.${stamp}${remembered}`;
    hiddenPrompts.push(hidden);
    const messages = [{ role: 'system', content: hidden }, ...body.messages.filter((m) => m.role !== 'system')];
    const text = `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('')}<|im_start|>assistant\n`;
    const promptTokens = options.tokenizer.encode(text).length;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${hiddenPrompts.length}`,
        object: 'chat.completion',
        created: 0,
        model: body.model ?? 'aurora',
        choices: [{ index: 0, message: { role: 'assistant', content: 'OK' }, finish_reason: 'length' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: 1, total_tokens: promptTokens + 1 },
      }),
    );
  });
  server.unref();
  clientEndsIdle(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    hiddenPrompts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
