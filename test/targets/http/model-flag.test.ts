import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/util/errors.js';
import { loopbackTarget } from '../../helpers/generic-target.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokprint-model-flag-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The error making the target threw, if any; making it sends nothing. */
function refusal(id: string, model?: string): { error: unknown } {
  try {
    loopbackTarget(id, { options: model === undefined ? {} : { model } });
    return { error: undefined };
  } catch (error) {
    return { error };
  }
}

describe('--model is checked once, when the target is made', () => {
  it.each(['openai', 'openai-completions', 'anthropic', 'gemini', 'ollama'])(
    '%s: refused without --model (or with an empty one) in one line, exit 2, before anything is sent',
    (scheme) => {
      const id = `${scheme}:http://127.0.0.1:9/v1`;
      for (const model of [undefined, '']) {
        const { error } = refusal(id, model);
        expect(error).toBeInstanceOf(UserError);
        expect((error as UserError).exitCode).toBe(2);
        expect((error as Error).message).toBe(`${id}: give the model name with --model`);
      }
      expect(refusal(id, 'm').error).toBeUndefined();
    },
  );

  it('a spec that uses {{model}} needs it; one that does not, does not', async () => {
    const spec = (body: string) =>
      `url: http://127.0.0.1:9/generate\nbody:\n${body}\nresponse:\n  prompt_tokens: usage.in\n`;
    const withModel = join(dir, 'with-model.yaml');
    const without = join(dir, 'without.yaml');
    await writeFile(withModel, spec('  model: "{{model}}"\n  input: "{{text}}"'));
    await writeFile(without, spec('  input: "{{text}}"'));
    const { error } = refusal(`http:${withModel}`);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe('http: the spec uses {{model}}; give the model name with --model');
    expect(refusal(`http:${withModel}`, 'house-model').error).toBeUndefined();
    expect(refusal(`http:${without}`).error).toBeUndefined();
  });
});
