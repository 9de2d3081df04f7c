import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_FILES } from '../../../src/run/run-dir.js';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import { runCli } from '../../helpers/cli.js';
import { realTokenizer } from '../../helpers/real-tokenizers.js';
import { startRecountingServer } from '../../helpers/recounting-openai-server.js';

const env = () => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
  OPENAI_API_KEY: 'sk-test',
});

/** A run that read answer channels records them, and rescoring it reads the same channels again. */
describe('rescore of a channel run', () => {
  let server: Awaited<ReturnType<typeof startRecountingServer>>;
  let out: string;
  beforeAll(async () => {
    server = await startRecountingServer({
      model: await realTokenizer('qwen2.5'),
      billing: await realTokenizer('llama3'),
      template: chatTemplate('chatml'),
    });
    out = await mkdtemp(join(tmpdir(), 'tokprint-rescore-channels-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(out, { recursive: true, force: true });
  });

  const same = async (args: string[], channels: string[]) => {
    const run = await runCli([...args, '--json', '--out', out, '--quiet', '--channels', channels.join(',')], env());
    expect(run.stderr).toBe('');
    const identified = JSON.parse(run.stdout);
    const config = JSON.parse(await readFile(join(identified.run, RUN_FILES.config), 'utf8'));
    expect(config.channels).toEqual(channels);
    const again = await runCli(['rescore', identified.run, '--json'], env());
    expect(again.stderr).toBe('');
    const rescored = JSON.parse(again.stdout);
    expect(rescored.verdict).toEqual(identified.verdict);
    expect(rescored.channels).toEqual(identified.channels);
    expect(rescored.stop).toBe(identified.stop);
    return rescored;
  };

  it('usage counted with Llama 3 beside Qwen2.5 tokens: the same verdict and flag, not the counts alone', async () => {
    const rescored = await same(
      ['identify', `openai:${server.url}`, '--model', 'recount', '--no-cache'],
      ['usage', 'logprobs', 'stream'],
    );
    expect(rescored.verdict.class).toContain('qwen2.5');
    expect(rescored.verdict.flags).toEqual(['usage-count-inconsistent']);
  });

  it('a simulated target read through its answers alone gives the same verdict again', async () => {
    const rescored = await same(
      ['identify', 'sim:gemma3?template=gemma&seed=3'],
      ['stream', 'completion', 'truncation'],
    );
    expect(rescored.verdict.status).toBe('match');
    expect(rescored.verdict.class).toContain('gemma3');
  });

  it('a run cut off after its first answer resumes with the channels it started with, to the same verdict', async () => {
    const args = [
      'identify',
      'sim:qwen2.5?template=llama3&system=500&seed=9',
      '--json',
      '--out',
      out,
      '--quiet',
      '--channels',
      'usage,stream',
    ];
    const full = await runCli(args, env());
    expect(full.stderr).toBe('');
    const finished = JSON.parse(full.stdout);
    expect(finished.queries).toBeGreaterThan(1);
    // the record as a run killed during its second request leaves it: no verdict, no digest
    const transcript = join(finished.run, RUN_FILES.transcript);
    const lines = (await readFile(transcript, 'utf8')).split('\n').filter(Boolean);
    const second = lines.findIndex((l) => {
      const e = JSON.parse(l);
      return e.kind === 'request' && e.seq === 2;
    });
    await writeFile(transcript, `${lines.slice(0, second).join('\n')}\n`);
    await rm(join(finished.run, RUN_FILES.verdict));
    const resumed = await runCli(['identify', '--resume', finished.run, '--json', '--quiet'], env());
    expect(resumed.stderr).toBe('');
    const json = JSON.parse(resumed.stdout);
    expect(json.verdict).toEqual(finished.verdict);
    expect(json.channels).toEqual(finished.channels);
    expect(json.queries).toBe(finished.queries);
  });
});
