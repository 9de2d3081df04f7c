import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox, shareReferenceFiles } from '../helpers/cli.js';
import { realTokenizerFiles } from '../helpers/real-tokenizers.js';

/**
 * An audit config names files and settings as its own keys: a `tokenizer:` path is read from the config's folder
 * (as promptfoo reads file refs), checked before any target runs, and every error names the key the user wrote,
 * at its line, not identify's flag or an environment variable the user never set.
 */
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await makeSandbox({ HOUSE_KEY: 'sk-house-places-01' });
  await shareReferenceFiles(sandbox);
  const qwen = await realTokenizerFiles('qwen2.5');
  await mkdir(join(sandbox.root, 'ci', 'qwen'), { recursive: true });
  await writeFile(join(sandbox.root, 'ci', 'qwen', 'tokenizer.json'), qwen.main);
});
afterAll(() => sandbox.remove());

async function audit(yaml: string, ...flags: string[]) {
  await writeFile(join(sandbox.root, 'ci', 'audit.yaml'), yaml);
  // run from the folder above the config's: a path from the working directory would miss the file
  return runCli(['audit', 'ci/audit.yaml', ...flags], sandbox.env, sandbox.root);
}

describe('tokenizer: targets in an audit', () => {
  it('read a relative path from the config’s folder, not the working directory', async () => {
    const result = await audit(
      'targets:\n  - id: tokenizer:./qwen/tokenizer.json\n    maxQueries: 4\n    channels: usage\n    expect: { family: [qwen2] }\n',
      '--out',
      'found-runs',
      '--json',
    );
    expect(result.code).toBe(0);
    const [row] = JSON.parse(result.stdout).targets;
    expect(row.outcome).toBe('passed');
    expect(row.found).toContain('qwen2');
  });

  it('a missing file is a config error at its line, exit 2, before any target runs', async () => {
    const result = await audit(
      'targets:\n  - id: sim:qwen2.5\n  - id: tokenizer:./nowhere/tokenizer.json\n',
      '--out',
      'missing-runs',
    );
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toBe(
      `tokprint: ci/audit.yaml:3:9: tokenizer:./nowhere/tokenizer.json: no tokenizer file or model directory at ${join(sandbox.root, 'ci', 'nowhere', 'tokenizer.json')} (read from the config's folder)\n`,
    );
    expect(existsSync(join(sandbox.root, 'missing-runs'))).toBe(false);
  });
});

describe('other files an audit target names are read from the config’s folder too', () => {
  it('an http: spec file', async () => {
    // a spec the run can read but not use: its own error shows it was found beside the config
    await writeFile(join(sandbox.root, 'ci', 'gateway.yaml'), 'url: 42\n');
    const result = await audit('targets:\n  - id: http:./gateway.yaml\n', '--out', 'spec-runs');
    expect(result.code).toBe(2);
    // each of the spec's problems on its own line, the first at the id's place in the config
    expect(result.stderr).toMatch(/^tokprint: ci\/audit\.yaml:2:9: /);
    expect(result.stderr).toContain(`${join(sandbox.root, 'ci', 'gateway.yaml')}: url: required`);
  });

  it('a caFile', async () => {
    const result = await audit(
      'targets:\n  - id: openai:house-model\n    config: { apiKeyEnv: HOUSE_KEY, apiBaseUrl: "https://127.0.0.1:9/v1", caFile: ./missing-ca.pem }\n',
      '--out',
      'ca-runs',
      '--json',
    );
    expect(`${result.stderr}${result.stdout}`).toContain(
      `cannot read CA file ${join(sandbox.root, 'ci', 'missing-ca.pem')}`,
    );
    expect(result.code).not.toBe(0);
  });
});

describe('audit config errors name the config’s own keys', () => {
  it.each([
    [
      'an apiBaseUrl that is not a URL, at its own line',
      'targets:\n  - id: openai:house-model\n    config: { apiKeyEnv: HOUSE_KEY, apiBaseUrl: "gateway.example/v1" }\n',
      'ci/audit.yaml:3:49: apiBaseUrl "gateway.example/v1" is not a URL',
    ],
    [
      'an apiBaseUrl in defaults, at the defaults',
      'defaults:\n  config: { apiBaseUrl: "ftp://gateway.example/v1" }\ntargets:\n  - id: openai:house-model\n    config: { apiKeyEnv: HOUSE_KEY }\n',
      'ci/audit.yaml:2:25: apiBaseUrl must be an http or https URL',
    ],
    [
      'an unknown channel in defaults.channels',
      'defaults:\n  channels: [usage, stream, bogus]\ntargets:\n  - id: sim:qwen2.5\n',
      'ci/audit.yaml:2:13: defaults.channels: must list channels among usage, logprobs, stream, completion, truncation, prompt, not "bogus"',
    ],
    [
      'an unknown channel in a target’s channels string',
      'targets:\n  - id: sim:qwen2.5\n    channels: usage,nope\n',
      'ci/audit.yaml:3:15: targets[0].channels: must list channels among usage, logprobs, stream, completion, truncation, prompt, not "nope"',
    ],
    [
      'an API target with no model, told as config.model',
      'targets:\n  - id: "openai:"\n    config: { apiBaseUrl: "http://127.0.0.1:9/v1" }\n',
      'ci/audit.yaml:2:9: openai:http://127.0.0.1:9/v1: give the model name with config.model',
    ],
    [
      'an empty family list',
      'targets:\n  - id: sim:qwen2.5\n    expect: { family: [] }\n',
      'ci/audit.yaml:3:23: targets[0].expect.family: must list at least one family',
    ],
    [
      'an empty not.family list',
      'targets:\n  - id: sim:qwen2.5\n    expect: { not: { family: [] } }\n',
      'ci/audit.yaml:3:30: targets[0].expect.not.family: must list at least one family',
    ],
  ])('%s: exit 2, one line', async (_, yaml, message) => {
    const result = await audit(yaml, '--out', 'bad-runs');
    expect(result.stderr).toBe(`tokprint: ${message}\n`);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(existsSync(join(sandbox.root, 'bad-runs'))).toBe(false);
  });
});

describe('rescore on a white-box run', () => {
  it('says it is a white-box run with nothing to rescore, exit 2', async () => {
    const identify = await runCli(
      ['identify', 'ci/qwen/tokenizer.json', '--out', 'white-box', '--quiet'],
      sandbox.env,
      sandbox.root,
    );
    expect(identify.code).toBe(0);
    const [name] = await readdir(join(sandbox.root, 'white-box'));
    const dir = join(sandbox.root, 'white-box', name);
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).method).toBe('white-box');
    const result = await runCli(['rescore', dir], sandbox.env, sandbox.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `tokprint: ${dir} is a white-box run (tokenizer files compared directly): it recorded no answers, so there is nothing to rescore or resume; run tokprint identify on the files again\n`,
    );
  });
});
