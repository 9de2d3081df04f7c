import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { startFakeHub, type FakeHub } from '../helpers/fake-hf-hub.js';
import { qwen25Files } from '../helpers/real-tokenizer.js';

const COMMIT = '5555555555666666666677777777778888888888';
let hub: FakeHub;
let box: Sandbox;

beforeAll(async () => {
  const qwen = await qwen25Files();
  hub = await startFakeHub({
    'acme/open': {
      commit: COMMIT,
      refs: ['feature/long-context', 'v1.0'],
      files: { 'tokenizer.json': qwen.tokenizerJson },
    },
  });
});
afterAll(() => hub?.close());
beforeEach(async () => {
  box = await makeSandbox({ HF_ENDPOINT: hub.endpoint });
  hub.hubRequests.length = 0;
});
afterEach(() => box.remove());

describe('hf: revisions and repository ids that could leave the resolve path', () => {
  const refused: [string, string[]][] = [
    ['a parent-directory revision', ['hf:acme/open@..']],
    ['a revision climbing to another file', ['hf:acme/open@../x']],
    ['a revision with a /.. part', ['hf:acme/open@main/../../etc']],
    ['an absolute revision', ['hf:acme/open@/etc/passwd']],
    ['an empty revision', ['hf:acme/open@']],
    ['an empty --revision', ['hf:acme/open', '--revision', '']],
    ['a --revision climbing out', ['hf:acme/open', '--revision', '../../acme/gated/resolve/main']],
    ['a revision with a backslash', ['hf:acme/open@..\\x']],
    ['a revision with a space', ['hf:acme/open@main x']],
    ['a repository id with ..', ['hf:../open']],
    ['a repository id with a third part', ['hf:acme/open/../x']],
    ['an absolute repository path', ['hf:/etc/passwd']],
  ];
  for (const [what, args] of refused) {
    it(`refs add refuses ${what} in one line, exit 2, before any request`, async () => {
      const result = await runCli(['refs', 'add', ...args, '--id', 'x-ref', '--family', 'qwen2'], box.env, box.root);
      expect(result.code).toBe(2);
      expect(isOneLine(result.stderr)).toBe(true);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.stderr).toMatch(/not a (branch, tag or commit name|hub reference)/);
      expect(hub.hubRequests).toEqual([]);
      expect(await box.files()).toEqual([]);
    });
  }

  it('compare refuses a traversing revision the same way', async () => {
    const result = await runCli(['compare', 'hf:acme/open@..', 'hf:acme/open'], box.env, box.root);
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(hub.hubRequests).toEqual([]);
  });

  const accepted: [string, string[], string][] = [
    [
      'a branch name holding /',
      ['hf:acme/open@feature/long-context'],
      '/acme/open/resolve/feature%2Flong-context/tokenizer.json',
    ],
    ['a tag', ['hf:acme/open@v1.0'], '/acme/open/resolve/v1.0/tokenizer.json'],
    ['a 40-hex commit', [`hf:acme/open@${COMMIT}`], `/acme/open/resolve/${COMMIT}/tokenizer.json`],
    [
      'a branch given by --revision',
      ['hf:acme/open', '--revision', 'feature/long-context'],
      '/acme/open/resolve/feature%2Flong-context/tokenizer.json',
    ],
  ];
  for (const [what, args, path] of accepted) {
    it(`refs add still takes ${what}, pinned to the commit`, async () => {
      const result = await runCli(['refs', 'add', ...args, '--id', 'x-ref', '--family', 'qwen2'], box.env, box.root);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`from hf:acme/open@${COMMIT}/tokenizer.json`);
      expect(hub.hubRequests[0].path).toBe(path);
    });
  }
});
