import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOVE, promptLength } from '../../src/scoring/usage-check.js';
import { recordedExchanges } from '../../src/run/recorded-exchanges.js';
import type { RecordEntry } from '../../src/run/run-record.js';
import type { TargetRequest } from '../../src/targets/target.js';
import { UserError } from '../../src/util/errors.js';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { loopbackTarget } from '../helpers/generic-target.js';
import {
  hostileHttpSpec,
  startHostileServer,
  type HostileApi,
  type HostileServer,
} from '../helpers/hostile-answer-server.js';

const APIS = ['openai', 'anthropic', 'gemini', 'http'] as const;
let sandbox: Sandbox;
let specs: string;
const servers: HostileServer[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox();
  specs = await mkdtemp(join(tmpdir(), 'tokprint-usage-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sandbox.remove();
  await rm(specs, { recursive: true, force: true });
});

/** A target id for `api` on a server billing `prompt` (raw JSON) prompt tokens for every request, or a count growing with each request's size. */
async function billing(api: HostileApi, prompt: string | { base: number; tokensPerByte: number }): Promise<string> {
  const server = await startHostileServer(
    api,
    typeof prompt === 'string' ? { kind: 'usage', prompt } : { kind: 'usage-per-byte', ...prompt },
  );
  servers.push(server);
  if (api === 'openai') return `openai:${server.url}/v1`;
  if (api !== 'http') return `${api}:${server.url}`;
  const spec = join(specs, `${servers.length}.yaml`);
  await writeFile(spec, hostileHttpSpec(server.url));
  return `http:${spec}`;
}

const identify = (target: string, ...flags: string[]) =>
  runCli(
    [
      'identify',
      target,
      '--model',
      'm',
      '--no-cache',
      '--no-detect-tokenize',
      '--retries',
      '0',
      '--out',
      'runs',
      // counts alone unless a test names more: these are the billed counts' own checks
      ...(flags.some((f) => f === '--stream' || f === '--logprobs' || f === '--channels')
        ? []
        : ['--channels', 'usage']),
      ...flags,
    ],
    sandbox.env,
    sandbox.root,
  );

/** The newest run's transcript entries, in the order they were written. */
async function lastTranscript(): Promise<
  { kind: string; seq?: number; request?: TargetRequest; usage?: { promptTokens: number }; promptTokens?: number }[]
> {
  const runs = (await readdir(join(sandbox.root, 'runs'))).sort();
  const text = await readFile(join(sandbox.root, 'runs', runs.at(-1)!, 'transcript.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

/**
 * The count request whose static count is the first that cannot be real: the first one at least `MOVE.minChars`
 * characters longer than the bare frame (which request that is depends on the opening plan, so on the index).
 * `observation` is its number among the count requests, as the run names it; `seq` its number among every request
 * sent (the transcript's), where a check of the bare frame asked again may come before it.
 */
async function firstTellingRequest(): Promise<{ seq: number; observation: number; added: number }> {
  const exchanges = recordedExchanges((await lastTranscript()) as RecordEntry[]);
  const frame = promptLength(exchanges[0].request);
  const telling = exchanges.find((e) => e.role.kind === 'count' && promptLength(e.request) - frame >= MOVE.minChars);
  if (telling?.role.kind !== 'count') throw new Error('no request long enough to show a static count');
  return { seq: telling.seq, observation: telling.role.observation, added: promptLength(telling.request) - frame };
}

describe.each(APIS)('impossible billed counts: %s', (api) => {
  it.each(['-339', '12.5', '1e308', '9007199254740993', '"12"'])(
    'refuses a prompt count of %s in one line, without retrying it',
    async (value) => {
      const { target, wire } = loopbackTarget(await billing(api, value), {
        options: { model: 'm', detectTokenize: false, retries: 2 },
      });
      const error = await target
        .send({ messages: [{ role: 'user', content: 'hello' }], maxOutputTokens: 1 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).exitCode).toBe(3);
      expect((error as Error).message).toMatch(/should be a token count, got/);
      expect((error as Error).message).not.toMatch(/\d{20}/);
      expect(wire.filter((e) => e.kind === 'http-request')).toHaveLength(1);
    },
  );

  it('stops on 0 prompt tokens for a non-empty prompt: one line, exit 3, no verdict', async () => {
    const result = await identify(await billing(api, '0'));
    expect(result.code).toBe(3);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(
      /the target's billed prompt counts are impossible: request 1 was billed 0 prompt tokens for a prompt of \d+ characters; the usage channel cannot be read/,
    );
    expect(result.stderr).not.toMatch(/--resume/);
    expect(result.stdout).toBe('');
  });

  it('stops on a count that does not move with the prompt, at the first request long enough to show it', async () => {
    const result = await identify(await billing(api, '1000'));
    expect(result.code).toBe(3);
    expect(isOneLine(result.stderr)).toBe(true);
    const telling = await firstTellingRequest();
    expect(result.stderr).toContain(
      `impossible: request ${telling.observation} is ${telling.added} characters longer than request 1 but was billed the same count (1000 and 1000); the usage channel cannot be read`,
    );
    // nothing is asked after it but the bare frame again (identical requests billed alike: not a jump)
    const after = recordedExchanges((await lastTranscript()) as RecordEntry[]).filter((e) => e.seq > telling.seq);
    for (const e of after) expect(e.role.kind).toBe('frame-check');
  });
});

describe.each(APIS)('billed counts that grow faster than the prompt can: %s', (api) => {
  it('stops on a pack billed 3 tokens for each byte it adds, each count plausible on its own', async () => {
    const result = await identify(await billing(api, { base: 50, tokensPerByte: 3 }));
    expect(result.code).toBe(3);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(
      /impossible: request 2 adds \d+ bytes to request 1 but was billed \d+ tokens more \(\d+ and \d+\), more than any tokenizer bills for that text; the usage channel cannot be read/,
    );
    expect(result.stdout).toBe('');
  });
});

describe.each(APIS)('an answer far longer than max_tokens: %s', (api) => {
  it('is a protocol violation: one line, exit 3, not used', async () => {
    const server = await startHostileServer(api, { kind: 'usage', prompt: '12', completion: '60000' });
    servers.push(server);
    let target = api === 'openai' ? `openai:${server.url}/v1` : `${api}:${server.url}`;
    if (api === 'http') {
      const spec = join(specs, 'long.yaml');
      await writeFile(spec, hostileHttpSpec(server.url));
      target = `http:${spec}`;
    }
    // anthropic and gemini count without an answer unless the answer is streamed
    const result = await identify(target, ...(api === 'anthropic' || api === 'gemini' ? ['--stream'] : []));
    expect(result.code).toBe(3);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(
      /request 1: the target billed 60000 output tokens for max_tokens (1|32), a protocol violation; the answer is not used/,
    );
  });
});

describe('impossible billed counts beside another channel', () => {
  it('goes on with the streamed tokens, flags the verdict and reports as spent what each answer was billed', async () => {
    const result = await identify(await billing('openai', '1000'), '--stream', '--json');
    expect(result.stderr).toBe('');
    expect([0, 1]).toContain(result.code);
    const json = JSON.parse(result.stdout);
    expect(json.verdict.flags).toContain('usage-count-impossible');
    const telling = await firstTellingRequest();
    expect(json.channels.consistency.trusted.reason).toMatch(
      new RegExp(`billed prompt counts are impossible: request ${telling.observation} is`),
    );
    // the counts set aside are no evidence, but the provider billed them: 1000 for every request, the run going
    // on past the impossible one with the streamed tokens
    expect(json.queries).toBeGreaterThan(telling.seq);
    expect(json.promptTokens).toBe(1000 * json.queries);
    // scored counts stop at the impossible one
    const entries = await lastTranscript();
    for (const o of entries.filter((e) => e.kind === 'observation'))
      expect(o.promptTokens).toBe(o.seq! < telling.observation ? 1000 : 0);
    const runs = await readdir(join(sandbox.root, 'runs'));
    const report = await readFile(join(sandbox.root, 'runs', runs.at(-1)!, 'verdict.json'), 'utf8');
    expect(report).not.toMatch(/\d{20}/);
  });
});
