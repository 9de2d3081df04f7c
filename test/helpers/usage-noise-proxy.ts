import { clientEndsIdle } from './keep-alive.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRng } from '../../src/util/rng.js';

/** Where each API bills the prompt, as dotted paths into its JSON answer (the count endpoint's field and the generation's). */
export const BILLED_PROMPT_FIELDS = {
  anthropic: ['input_tokens', 'usage.input_tokens'],
  gemini: ['totalTokens', 'usageMetadata.promptTokenCount'],
  gateway: ['result.metering.tokens_in'],
} as const;

export interface UsageNoiseProxy {
  url: string;
  /** How many answers had a billed count moved (by any amount, 0 included). */
  moved(): number;
  close(): Promise<void>;
}

/**
 * A gateway in front of a test server that moves each billed prompt count it passes on by a whole number
 * drawn from -amplitude..amplitude (seeded; never below 1), as noisy or padded usage would. Everything else
 * is passed on as it came. It stops by itself after `maxRequests` requests or `lifetimeMs`.
 */
export async function startUsageNoiseProxy(
  upstream: string,
  noise: { fields: readonly string[]; amplitude: number; seed: number },
  limits: { maxRequests?: number; lifetimeMs?: number } = {},
): Promise<UsageNoiseProxy> {
  const rng = seededRng(noise.seed);
  const maxRequests = limits.maxRequests ?? 500;
  let requests = 0;
  let moved = 0;
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    if (++requests >= maxRequests) setImmediate(() => server.close());
    const forwarded: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name))
        forwarded[name] = value;
    let answer: Response;
    try {
      answer = await fetch(new URL(req.url ?? '/', upstream), {
        method: req.method,
        headers: forwarded,
        ...(parts.length && { body: Buffer.concat(parts) }),
      });
    } catch {
      res.writeHead(502, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'upstream unreachable' }));
    }
    let text = await answer.text();
    const type = answer.headers.get('content-type') ?? 'application/json';
    if (answer.ok && type.includes('json')) {
      try {
        const json = JSON.parse(text);
        let touched = false;
        for (const field of noise.fields) {
          const path = field.split('.');
          const holder = path
            .slice(0, -1)
            .reduce<any>((node, key) => (node && typeof node === 'object' ? node[key] : undefined), json);
          const last = path.at(-1)!;
          if (holder && typeof holder === 'object' && Number.isSafeInteger(holder[last])) {
            holder[last] = Math.max(1, holder[last] + rng.int(-noise.amplitude, noise.amplitude));
            touched = true;
          }
        }
        if (touched) moved++;
        text = JSON.stringify(json);
      } catch {
        // not JSON after all: passed on as it came
      }
    }
    res.writeHead(answer.status, { 'content-type': type });
    res.end(text);
  });
  server.unref();
  clientEndsIdle(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lifetime = setTimeout(() => server.close(), limits.lifetimeMs ?? 5 * 60_000);
  lifetime.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    moved: () => moved,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(lifetime);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
