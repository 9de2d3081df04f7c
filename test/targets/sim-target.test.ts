import { describe, expect, it } from 'vitest';
import { createTarget, type TargetDeps } from '../../src/targets/create-target.js';
import { parseSimSpec } from '../../src/targets/sim-spec.js';
import { simulatedTarget } from '../../src/targets/sim-target.js';
import { chatTemplate } from '../../src/targets/chat-templates.js';
import { memoryTranscript, recordedTarget } from '../../src/targets/transcript.js';
import type { Target } from '../../src/targets/target.js';
import { UserError } from '../../src/util/errors.js';
import { committedEntry, committedTokenizer } from '../helpers/manifest-references.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';

const deps: TargetDeps = {
  cwd: process.cwd(),
  env: process.env,
  reference: async (id) => {
    if (id === 'nope') throw new UserError('unknown reference "nope"');
    const entry = committedEntry(id);
    return { entry, files: await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() }) };
  },
};
const ask = (target: Target, content: string) => target.send({ messages: [{ role: 'user', content }] });

describe('simulated API', () => {
  it('bills the template and the hidden system prompt on top of the text', async () => {
    const tokenizer = await committedTokenizer('qwen2.5');
    const bare = simulatedTarget({
      id: 'x',
      description: '',
      tokenizer,
      template: chatTemplate('chatml'),
      hiddenSystemPrompt: '',
    });
    const hidden = simulatedTarget({
      id: 'x',
      description: '',
      tokenizer,
      template: chatTemplate('chatml'),
      hiddenSystemPrompt: 'You are a secret agent. '.repeat(20),
    });
    const text = 'Hello world';
    const a = (await ask(bare, text)).usage!.promptTokens;
    const b = (await ask(hidden, text)).usage!.promptTokens;
    expect(a).toBeGreaterThan(tokenizer.encode(text).length);
    expect(b - a).toBeGreaterThan(80);
    // The hidden prompt never appears in what the caller sees.
    expect(JSON.stringify((await ask(hidden, text)).raw)).not.toContain('secret agent');
  });

  it('parses options and refuses bad ones with a clear message', () => {
    expect(parseSimSpec('cl100k?template=llama3&system=200&add=10&donor=qwen2.5')).toMatchObject({
      reference: 'cl100k',
      template: 'llama3',
      systemChars: 200,
      addTokens: { count: 10, donor: 'qwen2.5' },
    });
    expect(() => parseSimSpec('cl100k?template=nope')).toThrow(/unknown template "nope"/);
    expect(() => parseSimSpec('cl100k?add=10')).toThrow(/donor/);
    expect(() => parseSimSpec('cl100k?colour=red')).toThrow(/unknown option "colour"/);
  });

  it('adds vocabulary that makes text in the donor language cheaper', async () => {
    const base = await createTarget('sim:cl100k', deps);
    const extended = await createTarget('sim:cl100k?add=3000&donor=qwen2.5', deps);
    const chinese = '我们今天去公园散步，天气非常好。人工智能';
    expect((await ask(extended, chinese)).usage!.promptTokens).toBeLessThan(
      (await ask(base, chinese)).usage!.promptTokens,
    );
    expect((await ask(extended, 'Hello world')).usage!.promptTokens).toBe(
      (await ask(base, 'Hello world')).usage!.promptTokens,
    );
  });
});

describe('createTarget', () => {
  it('refuses an unknown scheme and an unknown reference', async () => {
    await expect(createTarget('openai-ish:http://x', deps)).rejects.toThrow(
      /unknown target "openai-ish:http:\/\/x"; expected sim:… or tokenizer:…/,
    );
    await expect(createTarget('sim:nope', deps)).rejects.toThrow(/unknown reference "nope"/);
  });
});

describe('recordedTarget', () => {
  it('writes each request before sending it and each answer before returning it', async () => {
    const transcript = memoryTranscript();
    const seenAtSend: number[] = [];
    const inner: Target = {
      id: 'fake',
      description: 'fake',
      async send() {
        seenAtSend.push(transcript.entries.length);
        return { usage: { promptTokens: 7 }, latencyMs: 0, raw: { request: {}, response: {} } };
      },
    };
    const target = recordedTarget(inner, transcript);
    await ask(target, 'a');
    expect(transcript.entries.map((e) => e.kind)).toEqual(['request', 'response']);
    await ask(target, 'b');
    expect(seenAtSend).toEqual([1, 3]);
    expect(transcript.entries.map((e) => `${e.kind}${e.seq}`)).toEqual([
      'request1',
      'response1',
      'request2',
      'response2',
    ]);
  });
});
