import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEPT_PREFIX_BYTES } from '../../../src/targets/http/answer-limits.js';
import type { HttpTargetOptions } from '../../../src/targets/http/http-options.js';
import type { WireEntry } from '../../../src/targets/http/wire-entry.js';
import type { TargetRequest } from '../../../src/targets/target.js';
import { UserError } from '../../../src/util/errors.js';
import { loopbackTarget } from '../../helpers/generic-target.js';
import {
  hostileHttpSpec,
  startHostileServer,
  type HostileAnswer,
  type HostileApi,
} from '../../helpers/hostile-answer-server.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokprint-caps-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MB = 1_000_000;

/** A target of `api` on a hostile server, built as `identify` builds it. */
async function hostileTarget(api: HostileApi, answer: HostileAnswer, options: HttpTargetOptions = {}) {
  const server = await startHostileServer(api, answer);
  let id: string;
  if (api === 'openai') id = `openai:${server.url}/v1`;
  else if (api === 'http') {
    const spec = join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(spec, hostileHttpSpec(server.url));
    id = `http:${spec}`;
  } else id = `${api}:${server.url}`;
  const { target, wire } = loopbackTarget(id, {
    options: { model: 'm', detectTokenize: false, retries: 2, ...options },
  });
  return { server, target, wire };
}

async function failure(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

const responses = (wire: WireEntry[]) =>
  wire.filter((e): e is Extract<WireEntry, { kind: 'http-response' }> => e.kind === 'http-response');
const plain: TargetRequest = { messages: [{ role: 'user', content: 'hello there' }], maxOutputTokens: 1 };
const chatty: TargetRequest = {
  messages: [{ role: 'user', content: 'hello there' }],
  maxOutputTokens: 32,
  wantChunks: true,
};

describe.each(['openai', 'anthropic', 'gemini', 'http'] as const)('answer caps: %s', (api) => {
  it('stops reading a 50 MB body at the 8 MiB cap, drops the connection, records a bounded prefix and does not retry it', async () => {
    const { server, target, wire } = await hostileTarget(api, { kind: 'huge-body', bytes: 50 * MB });
    try {
      const error = await failure(target.send(plain));
      expect(error.exitCode).toBe(3);
      expect(error.message).toMatch(
        /answer not used: the body passed 8 MiB, the response size cap \(raise it with --max-response-bytes\)/,
      );
      expect(error.message.split('\n')).toHaveLength(1);
      const [response] = responses(wire);
      expect(responses(wire)).toHaveLength(1);
      expect(response.cut).toMatch(/passed 8 MiB/);
      expect(response.complete).toBe(false);
      expect(Buffer.byteLength(response.body)).toBeLessThanOrEqual(KEPT_PREFIX_BYTES);
      expect(response.body.length).toBeGreaterThan(1000);
      // the client hung up long before the server had written all of it
      await expect.poll(() => server.abandoned()).toBe(1);
      expect(server.written()).toBeLessThan(40 * MB);
    } finally {
      await server.close();
    }
  });

  it('reads a body above the default cap when --max-response-bytes raises it', async () => {
    const { server, target, wire } = await hostileTarget(
      api,
      { kind: 'huge-body', bytes: 10 * MB },
      { maxResponseBytes: 16 * 1024 * 1024 },
    );
    try {
      // the count endpoints of anthropic and gemini get a body that is not a count: what matters is that it was read whole
      const answer = await target.send(plain).catch((e: Error) => e);
      expect(responses(wire)[0].cut).toBeUndefined();
      expect(responses(wire)[0].complete).toBe(true);
      if (!(answer instanceof Error)) expect(answer.text?.length).toBe(10 * MB);
    } finally {
      await server.close();
    }
  });
});

describe.each(['openai', 'anthropic', 'gemini'] as const)('stream caps: %s', (api) => {
  it('stops a 60,000-event stream for max_tokens 32 as a protocol violation and does not use it', async () => {
    const { server, target, wire } = await hostileTarget(api, { kind: 'endless-stream', events: 60_000 });
    try {
      const error = await failure(target.send(chatty));
      expect(error.exitCode).toBe(3);
      expect(error.message).toMatch(
        /the stream passed 576 events, far more than max_tokens 32 allows: a protocol violation/,
      );
      const [response] = responses(wire);
      expect(responses(wire)).toHaveLength(1);
      expect(response.cut).toMatch(/576 events/);
      expect(Buffer.byteLength(response.body)).toBeLessThanOrEqual(KEPT_PREFIX_BYTES);
      await expect.poll(() => server.abandoned()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('cuts a stream at --max-stream-events when that is lower, and reads an honest stream whole', async () => {
    const capped = await hostileTarget(api, { kind: 'endless-stream', events: 500 }, { maxStreamEvents: 100 });
    const honest = await hostileTarget(api, { kind: 'endless-stream', events: 32 });
    try {
      const error = await failure(capped.target.send(chatty));
      expect(error.message).toMatch(
        /the stream passed 100 events, the stream event cap \(raise it with --max-stream-events\)/,
      );
      const answer = await honest.target.send(chatty);
      expect(answer.chunks?.join('')).toBe('ab'.repeat(32));
      expect(responses(honest.wire)[0].cut).toBeUndefined();
    } finally {
      await capped.server.close();
      await honest.server.close();
    }
  });
});
