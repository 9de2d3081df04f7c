import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplate } from '../../src/targets/chat-templates.js';
import { startAnthropicServer } from '../helpers/anthropic-test-server.js';
import { isOneLine, makeSandbox, runCli, type Sandbox, shareReferenceFiles } from '../helpers/cli.js';
import { startGeminiServer } from '../helpers/gemini-test-server.js';
import type { JsonServer } from '../helpers/generic-json-server.js';
import { checkJunitShape } from '../helpers/junit-shape.js';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { startOpenAiTestServer, type OpenAiTestServer } from '../helpers/openai-test-server.js';

const KEYS = {
  HOUSE_KEY: 'sk-house-9c1d7e2f4a6b8c0d',
  ANTHROPIC_API_KEY: 'sk-ant-audit-5e6f7a8b',
  GEMINI_API_KEY: 'AIza-audit-3b4c5d6e',
};
let sandbox: Sandbox;
let openai: OpenAiTestServer;
let anthropic: JsonServer;
let gemini: JsonServer;

beforeAll(async () => {
  sandbox = await makeSandbox(KEYS);
  await shareReferenceFiles(sandbox);
  openai = await startOpenAiTestServer({
    tokenizer: await committedTokenizer('qwen2.5'),
    template: chatTemplate('chatml'),
    apiKey: KEYS.HOUSE_KEY,
  });
  anthropic = await startAnthropicServer({
    tokenizer: await committedTokenizer('claude-legacy'),
    apiKey: KEYS.ANTHROPIC_API_KEY,
  });
  gemini = await startGeminiServer({
    tokenizer: await committedTokenizer('gemma3'),
    apiKey: KEYS.GEMINI_API_KEY,
    models: ['gemini-x'],
  });
});
afterAll(async () => {
  await Promise.all([openai?.close(), anthropic?.close(), gemini?.close()]);
  await sandbox.remove();
});

async function allText(dir: string): Promise<string> {
  if (!existsSync(dir)) return '';
  const files = await readdir(dir, { recursive: true, withFileTypes: true });
  return (
    await Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name), 'utf8')))
  ).join('\n');
}

async function audit(name: string, yaml: string, ...flags: string[]) {
  await writeFile(join(sandbox.root, name), yaml);
  return runCli(['audit', name, ...flags], sandbox.env, sandbox.root);
}

describe('tokprint audit', () => {
  it('three API targets, one unmet expectation: exit 1, one JUnit failure, summaries linking each run, no key anywhere', async () => {
    const yaml = `# three products behind their APIs
defaults: { maxQueries: 4, channels: usage }
concurrency: 3
targets:
  - id: openai:house-model-1
    label: house model
    config: { apiBaseUrl: ${openai.url}, apiKeyEnv: HOUSE_KEY }
    expect: { family: [qwen2] }
  - id: anthropic:claude-x
    config: { apiBaseUrl: ${anthropic.url} }
    expect: { not: { family: [deepseek-v3, qwen2] } }
  - id: gemini:gemini-x
    config: { apiBaseUrl: ${gemini.url} }
    expect: { family: [deepseek-v3, o200k] }
`;
    const result = await audit('tokprint.yaml', yaml, '--out', 'audit-runs', '--junit', 'junit.xml', '--json');
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.targets.map((t: { outcome: string }) => t.outcome)).toEqual(['passed', 'passed', 'failed']);
    expect(json.counts).toEqual({ passed: 2, failed: 1, inconclusive: 0, error: 0 });
    expect(json.targets[0]).toMatchObject({ label: 'house model', target: 'openai:house-model-1', status: 'match' });
    expect(json.targets[0].class).toContain('qwen2.5');
    expect(json.targets[2].found).toMatch(/^match gemma3/);

    // the model named in the id reached each request, with the key from apiKeyEnv
    const chats = openai.received.filter((r) => r.path.endsWith('/chat/completions'));
    expect(chats.length).toBeGreaterThan(0);
    for (const r of chats) {
      expect(JSON.parse(r.body).model).toBe('house-model-1');
      expect(r.authorization).toBe(`Bearer ${KEYS.HOUSE_KEY}`);
    }

    const xml = await readFile(join(sandbox.root, 'junit.xml'), 'utf8');
    const suites = checkJunitShape(xml);
    const cases = suites.children[0].children.filter((c) => c.name === 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(['house model', 'anthropic:claude-x', 'gemini:gemini-x']);
    const failures = cases.flatMap((c) => c.children.filter((x) => x.name === 'failure'));
    expect(failures).toHaveLength(1);
    expect(failures[0].attributes.message).toMatch(/^expected family deepseek-v3 or o200k, found match gemma3/);
    expect(failures[0].text).toMatch(/^expected: family deepseek-v3 or o200k\nfound: match gemma3/);
    for (const c of cases) {
      const props = Object.fromEntries(
        c.children.find((x) => x.name === 'properties')!.children.map((p) => [p.attributes.name, p.attributes.value]),
      );
      expect(Number(props.confidence)).toBeGreaterThan(0.9);
      expect(Number(props.requests)).toBeGreaterThanOrEqual(1);
      expect(Number(props.requests)).toBeLessThanOrEqual(4);
      expect(Number(props.tokens)).toBeGreaterThan(0);
      expect(props).toHaveProperty('flags');
    }

    // each target is its own identify run with its own reports, linked from the summaries
    const out = join(sandbox.root, 'audit-runs');
    const runs = (await readdir(out, { withFileTypes: true })).filter((d) => d.isDirectory());
    expect(runs).toHaveLength(3);
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    const md = await readFile(join(out, 'audit.md'), 'utf8');
    for (const run of runs) {
      expect(existsSync(join(out, run.name, 'verdict.json'))).toBe(true);
      expect(existsSync(join(out, run.name, 'report.html'))).toBe(true);
      expect(html).toContain(`href="${run.name}/report.html"`);
      expect(md).toContain(`](${run.name}/report.html)`);
    }
    expect(md).toMatch(
      /\| FAIL \| \[gemini:gemini-x\]\([^)]+\) \| match gemma3 \| family deepseek-v3 or o200k \| \\>99\.9% \|/,
    );
    expect(JSON.parse(await readFile(join(out, 'audit.json'), 'utf8')).exitCode).toBe(1);

    const everything = [result.stdout, result.stderr, xml, await allText(out)].join('\n');
    for (const key of Object.values(KEYS)) expect(everything).not.toContain(key);
  });

  it('perHost: 1 runs the targets of one host one after the other, even with room for more at once', async () => {
    const before = openai.received.length;
    const config = { apiBaseUrl: openai.url, apiKeyEnv: 'HOUSE_KEY' };
    const result = await audit(
      'one-host.yaml',
      [
        'concurrency: 4',
        'perHost: 1',
        `defaults: { maxQueries: 3, channels: usage, config: ${JSON.stringify(config)} }`,
        'targets:',
        '  - id: openai:model-a',
        '  - id: openai:model-b',
        '  - id: openai:model-c',
        '',
      ].join('\n'),
      '--out',
      'one-host-runs',
      '--quiet',
    );
    expect(result.code).toBe(0);
    const models = openai.received
      .slice(before)
      .filter((r) => r.path.endsWith('/chat/completions'))
      .map((r) => JSON.parse(r.body).model as string);
    // each model's requests form one block: no target started before the previous one on this host had finished
    const blocks = models.filter((m, i) => m !== models[i - 1]);
    expect(blocks.toSorted()).toEqual(['model-a', 'model-b', 'model-c']);
  });

  it('a second audit into the same --out while one runs is refused in one line; the first keeps its summaries', async () => {
    const slow = await startOpenAiTestServer({
      tokenizer: await committedTokenizer('qwen2.5'),
      template: chatTemplate('chatml'),
      apiKey: KEYS.HOUSE_KEY,
      delayMs: 1500,
    });
    try {
      const config = { apiBaseUrl: slow.url, apiKeyEnv: 'HOUSE_KEY' };
      const first = audit(
        'slow.yaml',
        `targets:\n  - id: openai:slow-model\n    maxQueries: 3\n    channels: usage\n    config: ${JSON.stringify(config)}\n`,
        '--out',
        'shared-runs',
        '--quiet',
      );
      while (slow.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await audit('sim-only.yaml', 'targets:\n  - id: sim:qwen2.5\n', '--out', 'shared-runs');
      expect(second.code).toBe(2);
      expect(isOneLine(second.stderr)).toBe(true);
      expect(second.stderr).toMatch(/shared-runs is in use by another tokprint audit/);
      expect((await first).code).toBe(0);
      const summary = JSON.parse(await readFile(join(sandbox.root, 'shared-runs', 'audit.json'), 'utf8'));
      expect(summary.targets.map((t: { label: string }) => t.label)).toEqual(['openai:slow-model']);
    } finally {
      await slow.close();
    }
  });

  it('prints a table, exits 0 when every expectation holds', async () => {
    const result = await audit(
      'sims.yaml',
      'targets:\n  - id: sim:qwen2.5\n    maxQueries: 4\n    channels: [usage]\n    expect: { family: qwen2.5, status: [match, derived] }\n',
      '--out',
      'sim-runs',
      '--quiet',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^result +target +found +expected +confidence +requests +tokens\nPASS +sim:qwen2\.5 +match qwen2\.5/,
    );
    expect(result.stdout).toMatch(/\n1 target: 1 passed\n$/);
  });

  it('an inconclusive run has no confidence: a dash in the table and null in --json and audit.json', async () => {
    const yaml =
      'targets:\n  - id: sim:qwen2.5\n    maxQueries: 1\n    channels: [usage]\n    expect: { family: qwen2.5 }\n';
    const table = await audit('short.yaml', yaml, '--out', 'short-runs', '--quiet');
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/\nINCONCLUSIVE +sim:qwen2\.5 +inconclusive +family qwen2\.5 +— +1 /);
    const json = await audit('short.yaml', yaml, '--out', 'short-json', '--quiet', '--json');
    const [target] = JSON.parse(json.stdout).targets;
    expect([target.outcome, target.status, target.confidence]).toEqual(['inconclusive', 'inconclusive', null]);
    const written = JSON.parse(await readFile(join(sandbox.root, 'short-json', 'audit.json'), 'utf8'));
    expect(written.targets[0].confidence).toBeNull();
  });

  it('a target that cannot be reached is an error testcase, exit 1, and the others still run', async () => {
    const result = await audit(
      'down.yaml',
      [
        'defaults: { maxQueries: 3, channels: usage }',
        'targets:',
        '  - id: openai:gone-model',
        '    config: { apiBaseUrl: "http://127.0.0.1:9/v1", apiKeyEnv: HOUSE_KEY, retries: 0 }',
        '  - id: sim:qwen2.5',
        '',
      ].join('\n'),
      '--out',
      'down-runs',
      '--junit',
      'down.xml',
      '--json',
      '--quiet',
    );
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.targets.map((t: { outcome: string }) => t.outcome)).toEqual(['error', 'passed']);
    expect(json.targets[0].exitCode).toBe(3);
    const xml = await readFile(join(sandbox.root, 'down.xml'), 'utf8');
    const suites = checkJunitShape(xml);
    expect(suites.attributes).toMatchObject({ tests: '2', failures: '0', errors: '1' });
    expect(xml).not.toContain(KEYS.HOUSE_KEY);
  });

  it('a target id with credentials in its URL is refused as a config error that never shows them, before anything runs', async () => {
    const password = 'pw-audit-7f3e9a';
    const result = await audit(
      'creds.yaml',
      [
        'defaults: { maxQueries: 3, channels: usage }',
        'targets:',
        `  - id: "openai:http://auditor:${password}@127.0.0.1:9/v1"`,
        '    config: { model: m, retries: 0 }',
        '',
      ].join('\n'),
      '--out',
      'creds-runs',
      '--junit',
      'creds.xml',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'tokprint: creds.yaml:3:9: openai:http://[redacted]@127.0.0.1:9/v1: put credentials in an environment variable, not in the URL\n',
    );
    expect(result.stdout).toBe('');
    expect(existsSync(join(sandbox.root, 'creds-runs'))).toBe(false);
    expect(existsSync(join(sandbox.root, 'creds.xml'))).toBe(false);
  });

  it('an --out or --junit it cannot write is one line, exit 2, before any target is run', async () => {
    const yaml = 'targets:\n  - id: sim:qwen2.5\n';
    await writeFile(join(sandbox.root, 'a-file'), 'x');
    execFileSync('mkfifo', [join(sandbox.root, 'a-pipe')]);
    for (const flags of [
      ['--out', 'a-file/runs'],
      ['--out', '/proc/tokprint-audit-nope'],
      ['--out', 'paths-ok', '--junit', 'paths-ok'],
      ['--out', 'paths-ok2', '--junit', 'a-file/junit.xml'],
      // a named pipe (or a device: run as root, /dev/null) would be replaced by a plain file by the atomic write
      ['--out', 'paths-ok3', '--junit', 'a-pipe'],
    ]) {
      const result = await audit('paths.yaml', yaml, ...flags);
      expect(result.code).toBe(2);
      expect(isOneLine(result.stderr)).toBe(true);
      expect(result.stderr).not.toMatch(/internal error/);
    }
    // nothing was run: no run directory and no summary
    for (const dir of ['paths-ok', 'paths-ok2', 'paths-ok3'])
      expect(existsSync(join(sandbox.root, dir)) ? await readdir(join(sandbox.root, dir)) : []).toEqual([]);
    expect(statSync(join(sandbox.root, 'a-pipe')).isFIFO()).toBe(true);
  });

  it.each([
    ['not YAML', 'targets:\n  - id: sim:qwen2.5\n    expect: {family: [qwen2\n', /^bad\.yaml:4:1: not valid YAML: /],
    [
      'aliases that expand without bound',
      `${['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdef'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`)].join('\n')}\ntargets: *f\n`,
      /^bad\.yaml: not a usable config: .*alias/i,
    ],
    [
      'an unknown key',
      'targets:\n  - id: sim:qwen2.5\n    maxQuery: 3\n',
      'bad.yaml:3:5: targets[0]: unknown key "maxQuery"',
    ],
    [
      'a number out of range',
      'defaults:\n  maxQueries: 0\ntargets:\n  - id: sim:qwen2.5\n',
      'bad.yaml:2:15: defaults.maxQueries: must be >= 1',
    ],
    [
      'a family of the wrong type',
      'targets:\n  - id: sim:qwen2.5\n    expect:\n      family: 7\n',
      'bad.yaml:4:15: targets[0].expect.family: must be string or array',
    ],
    [
      'a status that is none',
      'targets:\n  - id: sim:qwen2.5\n    expect: { status: maybe }\n',
      'bad.yaml:3:23: targets[0].expect.status: must be one of match, derived, unknown',
    ],
    ['no targets', 'defaults: { seed: 3 }\n', 'bad.yaml:1:1: missing "targets"'],
    [
      'a key in apiKeyEnv',
      'targets:\n  - id: openai:gpt-4o\n    config: { apiKeyEnv: "sk-live-abc" }\n',
      'bad.yaml:3:26: targets[0].config.apiKeyEnv: must name an environment variable (letters, digits, _), never hold the key itself',
    ],
    [
      'an unset apiKeyEnv',
      'targets:\n  - id: sim:qwen2.5\n  - id: openai:gpt-4o\n    config:\n      apiKeyEnv: NOT_SET_ANYWHERE\n',
      'bad.yaml:5:18: apiKeyEnv NOT_SET_ANYWHERE: that environment variable is not set',
    ],
    [
      'an unknown family',
      'targets:\n  - id: sim:qwen2.5\n    expect: { family: [qwen-two] }\n',
      'bad.yaml:3:23: "qwen-two" is neither an indexed family nor a reference id (see tokprint refs list)',
    ],
    [
      'an unknown scheme',
      'targets:\n  - id: bedrock:claude\n',
      'bad.yaml:2:9: unknown scheme "bedrock:"; expected sim, tokenizer, openai, openai-completions, anthropic, gemini, vllm, sglang, llamacpp, tgi, ollama, http, tokenize',
    ],
    [
      'an unknown reference in a sim: id, after a target that would run',
      'targets:\n  - id: sim:qwen2.5\n  - id: sim:qwen9?system=200\n',
      /^bad\.yaml:3:9: sim:qwen9\?system=200: unknown reference "qwen9"; did you mean /,
    ],
    [
      'an unknown donor in a sim: id',
      'targets:\n  - id: sim:qwen2.5?add=100&donor=nothing-such\n',
      /^bad\.yaml:2:9: sim:qwen2\.5\?add=100&donor=nothing-such: unknown reference "nothing-such"/,
    ],
    [
      'an unknown option in a sim: id',
      'targets:\n  - id: sim:qwen2.5?sytem=200\n',
      /^bad\.yaml:2:9: sim:qwen2\.5\?sytem=200: unknown option "sytem"/,
    ],
    [
      'an API base that is not a URL',
      'targets:\n  - id: vllm:not a url\n',
      'bad.yaml:2:9: vllm:not a url: "not a url" is not a URL',
    ],
  ])('%s: exit 2, one line naming the line and column, nothing run', async (_, yaml, message) => {
    const result = await audit('bad.yaml', yaml, '--out', 'bad-runs');
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    if (typeof message === 'string') expect(result.stderr).toBe(`tokprint: ${message}\n`);
    else expect(result.stderr.slice('tokprint: '.length)).toMatch(message);
    expect(result.stdout).toBe('');
    expect(existsSync(join(sandbox.root, 'bad-runs'))).toBe(false);
  });
});
