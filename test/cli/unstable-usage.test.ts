import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import { chatTemplate } from '../../src/targets/chat-templates.js';
import { shareReferenceFiles, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { startOpenAiTestServer, type OpenAiTestServer } from '../helpers/openai-test-server.js';

const HIDDEN = 'You are Aurora, the assistant of Example Corp. Answer briefly.';
let tokenizer: Tokenizer;
let sandbox: Sandbox;
const servers: OpenAiTestServer[] = [];

beforeAll(async () => {
  tokenizer = await committedTokenizer('qwen2.5');
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sandbox.remove();
});

async function qwenServer(usageNoise?: { amplitude: number; seed: number }): Promise<string> {
  const s = await startOpenAiTestServer({
    tokenizer,
    template: chatTemplate('chatml'),
    hiddenSystemPrompt: HIDDEN,
    ...(usageNoise && { usageNoise }),
  });
  servers.push(s);
  return `openai:${s.url}`;
}

const identify = (target: string, ...flags: string[]) =>
  runCli(
    [
      'identify',
      target,
      '--model',
      'qwen',
      '--no-detect-tokenize',
      '--retries',
      '0',
      '--out',
      'runs',
      '--seed',
      '3',
      // the billed counts' own checks, unless a test names more channels
      ...(flags.some((f) => f === '--channels' || f === '--stream' || f === '--logprobs')
        ? []
        : ['--channels', 'usage']),
      ...flags,
    ],
    sandbox.env,
    sandbox.root,
  );

describe('billed counts that change between identical requests', () => {
  it('an honest server is matched as before, with no repeat and no flag', async () => {
    const result = await identify(await qwenServer(), '--json');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.verdict).toMatchObject({ status: 'match', reference: 'qwen2.5' });
    expect(json.verdict.flags).toBeUndefined();
  });

  it.each([4])(
    'counts moved by +-20 (noise seed %i) that would decide are checked: no verdict, and the flag',
    async (seed) => {
      const result = await identify(await qwenServer({ amplitude: 20, seed }), '--json');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(1);
      const json = JSON.parse(result.stdout);
      expect(json.verdict.status).toBe('inconclusive');
      expect(json.verdict.flags).toEqual(['usage-count-unstable']);
      expect(json.stop).toBe('usage-count-unstable');
      expect(json.unstable).toMatch(
        /^the target billed \d+ and then \d+ prompt tokens for the same request \(the bare frame, asked twice\)/,
      );
    },
  );

  // seed 1's moves fit a spread the noise model reads from every count: inconclusive with that spread named
  it.each([1, 2, 3, 8])(
    'counts moved by +-20 (noise seed %i) name no other tokenizer and no change: inconclusive with the spread, or the match',
    async (seed) => {
      const result = await identify(await qwenServer({ amplitude: 20, seed }), '--json');
      const json = JSON.parse(result.stdout);
      if (json.verdict.status === 'match') {
        expect(result.code).toBe(0);
        expect(json.verdict.class).toContain('qwen2.5');
        expect(json.noise.spread).toBeGreaterThan(0);
      } else {
        expect(result.code).toBe(1);
        expect(json.verdict.status).toBe('inconclusive');
        expect(json.noise.reason ?? json.unstable).toMatch(
          /counts vary by about \d+ tokens? between identical requests/,
        );
      }
    },
  );

  it('with streamed tokens read, sets the unstable counts aside and says so on the verdict', async () => {
    const result = await identify(await qwenServer({ amplitude: 20, seed: 4 }), '--stream', '--json');
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout);
    expect(json.verdict.flags).toContain('usage-count-unstable');
    expect(json.channels.consistency.trusted.reason).toMatch(
      /^the target billed \d+ and then \d+ prompt tokens for the same request/,
    );
    expect(json.channels.consistency.trusted.channels).toEqual(['stream']);
    expect(json.verdict.status).not.toMatch(/^(match|derived)$/);
  });

  it('says so first in the terminal summary and in every report', async () => {
    const result = await identify(await qwenServer({ amplitude: 20, seed: 4 }), '--report', 'all');
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^warning \(usage-count-unstable\): The target billed different prompt counts for identical requests/,
    );
    expect(lines[1]).toMatch(/^target: /);
    expect(lines[2]).toBe(
      'inconclusive: the target billed different counts for the same request, so its counts cannot name a tokenizer',
    );
    const run = join(sandbox.root, 'runs', (await readdir(join(sandbox.root, 'runs'))).sort().at(-1)!);
    const read = (name: string) => readFile(join(run, name), 'utf8');
    expect((await read('report.md')).split('\n')[2]).toMatch(/^> \*\*Warning \(usage-count-unstable\):\*\* /);
    const html = await read('report.html');
    expect(html.indexOf('data-flag="usage-count-unstable"')).toBeGreaterThan(0);
    expect(html.indexOf('data-flag="usage-count-unstable"')).toBeLessThan(html.indexOf('id="verdict"'));
    expect(JSON.parse(await read('report.cdx.json')).metadata.component.pedigree.notes).toMatch(
      /^Warning \(usage-count-unstable\): /,
    );
    expect(await read('report.junit.xml')).toMatch(
      /<failure message="warning \(usage-count-unstable\): [^"]+" type="flagged">/,
    );
    expect(JSON.parse(await read('report.json')).verdict.flags).toEqual(['usage-count-unstable']);
    const text = await runCli(['report', run, '--format', 'text'], sandbox.env, sandbox.root);
    expect(text.stdout.split('\n')[0]).toMatch(/^warning \(usage-count-unstable\): /);
    // scored again, the same counts still give no verdict
    const again = await runCli(['rescore', run, '--json'], sandbox.env, sandbox.root);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).verdict).toMatchObject({ status: 'inconclusive', flags: ['usage-count-unstable'] });
  });

  // (a channel that reads no answer's tokens, such as the completion's length, leaves the counts' reason to them)
  it.each([[[] as string[]], [['--stream']], [['--channels', 'usage,completion']]])(
    'scored again (%j), the run keeps why its counts were set aside and the spread it named',
    async (flags) => {
      const live = JSON.parse(
        (await identify(await qwenServer({ amplitude: 20, seed: 4 }), ...flags, '--json')).stdout,
      );
      expect(live.noise.reason).toMatch(/^the target billed \d+ and then \d+ prompt tokens for the same request/);
      const run = join(sandbox.root, 'runs', (await readdir(join(sandbox.root, 'runs'))).sort().at(-1)!);
      const again = JSON.parse((await runCli(['rescore', run, '--json'], sandbox.env, sandbox.root)).stdout);
      expect(again.noise).toEqual(live.noise);
      expect(again.unstable).toBe(live.unstable);
    },
  );
});
