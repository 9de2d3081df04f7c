import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The APIs whose wire format the server speaks, each with its own field names. */
export type HostileApi = 'openai' | 'anthropic' | 'gemini' | 'http';

/** What every answer is. Usage values are raw JSON text, so `9007199254740993`, `1e308` or `"12"` go out as written. */
export type HostileAnswer =
  | { kind: 'huge-body'; bytes: number }
  | { kind: 'endless-stream'; events: number }
  | { kind: 'usage'; prompt: string; completion?: string }
  /** A prompt count that grows with the request: `base` plus `tokensPerByte` for each byte of the request body. */
  | { kind: 'usage-per-byte'; base: number; tokensPerByte: number };

export interface HostileServer {
  url: string;
  /** Body bytes written, over all answers. */
  written(): number;
  /** Answers the client hung up on before they were all written. */
  abandoned(): number;
  close(): Promise<void>;
}

const CHUNK = 64 * 1024;
const DELTA = 'ab';

/**
 * A loopback server answering every request to the API's generate (and count) paths with one kind of hostile
 * answer: a body far past any cap, a stream that goes on for `events` events, or impossible usage counts.
 * Big answers are written with backpressure and stop when the client hangs up; the server closes itself
 * after a bounded number of requests or ten minutes (a test's first run, building references on a busy machine,
 * can take more than one).
 */
export async function startHostileServer(api: HostileApi, answer: HostileAnswer): Promise<HostileServer> {
  let written = 0;
  let abandoned = 0;
  let requests = 0;

  /** Writes `parts` in order, yielding to backpressure; false when the client went away first. */
  const writeAll = async (res: ServerResponse, parts: Iterable<string>): Promise<boolean> => {
    for (const part of parts) {
      if (res.destroyed) return false;
      written += Buffer.byteLength(part);
      if (!res.write(part)) {
        const open = await new Promise<boolean>((resolve) => {
          const settle = (value: boolean) => {
            res.off('drain', drained).off('close', closed);
            resolve(value);
          };
          const drained = () => settle(true);
          const closed = () => settle(false);
          res.on('drain', drained).on('close', closed);
        });
        if (!open) return false;
      }
    }
    return true;
  };

  function* padding(bytes: number): Generator<string> {
    const block = 'a'.repeat(CHUNK);
    for (let left = bytes; left > 0; left -= CHUNK) yield left >= CHUNK ? block : block.slice(0, left);
  }

  const usageJson = (prompt: string, completion: string) => {
    if (api === 'openai')
      return `{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${completion}}`;
    if (api === 'anthropic') return `{"input_tokens":${prompt},"output_tokens":${completion}}`;
    if (api === 'gemini') return `{"promptTokenCount":${prompt},"candidatesTokenCount":${completion}}`;
    return `{"in":${prompt},"out":${completion}}`;
  };
  /** A whole non-streamed answer around `text` parts, in the API's shape. */
  function* message(text: Iterable<string>, prompt: string, completion: string): Generator<string> {
    const usage = usageJson(prompt, completion);
    if (api === 'openai')
      yield '{"id":"chatcmpl-1","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"';
    else if (api === 'anthropic')
      yield '{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"';
    else if (api === 'gemini') yield '{"candidates":[{"content":{"role":"model","parts":[{"text":"';
    else yield '{"out_text":"';
    yield* text;
    if (api === 'openai') yield `"},"finish_reason":"length"}],"usage":${usage}}`;
    else if (api === 'anthropic') yield `"}],"stop_reason":"max_tokens","usage":${usage}}`;
    else if (api === 'gemini') yield `"}]},"finishReason":"MAX_TOKENS"}],"usageMetadata":${usage}}`;
    else yield `","usage":${usage}}`;
  }
  /** A streamed answer of `events` text events, then the API's end events with usage. */
  function* stream(events: number, prompt: string, completion: string): Generator<string> {
    const usage = usageJson(prompt, completion);
    const data = (value: string, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${value}\n\n`;
    if (api === 'anthropic') {
      yield data(
        `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":${prompt},"output_tokens":0}}}`,
        'message_start',
      );
      yield data(
        '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
        'content_block_start',
      );
    }
    for (let i = 0; i < events; i++) {
      if (api === 'openai')
        yield data(
          `{"id":"c","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":"${DELTA}"},"finish_reason":null}]}`,
        );
      else if (api === 'anthropic')
        yield data(
          `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${DELTA}"}}`,
          'content_block_delta',
        );
      else yield data(`{"candidates":[{"content":{"role":"model","parts":[{"text":"${DELTA}"}]}}]}`);
    }
    if (api === 'openai') {
      yield data(
        '{"id":"c","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}',
      );
      yield data(`{"id":"c","object":"chat.completion.chunk","created":0,"model":"m","choices":[],"usage":${usage}}`);
      yield data('[DONE]');
    } else if (api === 'anthropic') {
      yield data('{"type":"content_block_stop","index":0}', 'content_block_stop');
      yield data(
        `{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":${completion}}}`,
        'message_delta',
      );
      yield data('{"type":"message_stop"}', 'message_stop');
    } else {
      yield data(
        `{"candidates":[{"content":{"role":"model","parts":[{"text":""}]},"finishReason":"MAX_TOKENS"}],"usageMetadata":${usage}}`,
      );
    }
  }

  const server = createServer(async (req, res) => {
    let bodyBytes = 0;
    for await (const part of req) bodyBytes += (part as Buffer).byteLength;
    if (++requests >= 200) setImmediate(() => server.close());
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const counting = path.endsWith('/count_tokens') || path.endsWith(':countTokens');
    const streaming =
      path.endsWith(':streamGenerateContent') || (req.headers.accept ?? '').includes('text/event-stream');
    const prompt =
      answer.kind === 'usage'
        ? answer.prompt
        : answer.kind === 'usage-per-byte'
          ? String(answer.base + Math.ceil(bodyBytes * answer.tokensPerByte))
          : '12';
    const completion = answer.kind === 'usage' ? (answer.completion ?? '1') : '1';
    let done: boolean;
    const billing = answer.kind === 'usage' || answer.kind === 'usage-per-byte';
    if (answer.kind === 'endless-stream' || (streaming && billing)) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      done = await writeAll(res, stream(answer.kind === 'endless-stream' ? answer.events : 1, prompt, completion));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (counting && billing)
        done = await writeAll(res, [api === 'anthropic' ? `{"input_tokens":${prompt}}` : `{"totalTokens":${prompt}}`]);
      else if (counting)
        done = await writeAll(res, [
          '{"input_tokens":',
          ...padding(answer.kind === 'huge-body' ? answer.bytes : 0),
          '}',
        ]);
      else
        done = await writeAll(
          res,
          message(answer.kind === 'huge-body' ? padding(answer.bytes) : ['OK'], prompt, completion),
        );
    }
    if (done) res.end();
    else abandoned++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lifetime = setTimeout(() => server.close(), 10 * 60_000);
  lifetime.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    written: () => written,
    abandoned: () => abandoned,
    close: async () => {
      clearTimeout(lifetime);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A spec file body for the generic `http:` scheme that reads this server's answers. */
export function hostileHttpSpec(url: string): string {
  return `url: ${url}/generate\nbody:\n  messages: "{{messages}}"\n  max_new: "{{max_tokens}}"\nresponse:\n  prompt_tokens: usage.in\n  completion_tokens: usage.out\n  text: out_text\n`;
}
