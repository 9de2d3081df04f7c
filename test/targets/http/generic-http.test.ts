import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { CHAT_TEMPLATES } from '../../../src/targets/chat-templates.js';
import { TargetRequestError } from '../../../src/targets/http/executor.js';
import { parseGenericHttpSpec } from '../../../src/targets/http/generic-http-spec.js';
import { parseJsonPath, readJsonPath } from '../../../src/targets/http/json-path.js';
import type { TargetRequest } from '../../../src/targets/target.js';
import { UserError } from '../../../src/util/errors.js';
import { startGateway } from '../../helpers/generic-http-test-server.js';
import type { JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget, sentBodies } from '../../helpers/generic-target.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

const KEY = 'gw-secret-71c3a9d0';
const template = CHAT_TEMPLATES.mistral;
const USER = 'Please reply with OK.\n\nShe said "naïve café" — 東京 \\ tab\there\n\nThanks.';
const request: TargetRequest = {
  messages: [
    { role: 'system', content: 'You are the house assistant.' },
    { role: 'user', content: USER },
  ],
  maxOutputTokens: 2,
};

let tokenizer: Tokenizer;
let gateway: JsonServer;
let broken: JsonServer;
let brokenAnswer: unknown;
let dir: string;

beforeAll(async () => {
  tokenizer = await committedTokenizer('mistral-nemo');
  gateway = await startGateway({ tokenizer, template, apiKey: KEY });
  broken = await startGateway({ tokenizer, template, apiKey: KEY, override: () => brokenAnswer });
  dir = await mkdtemp(join(tmpdir(), 'tokprint-gateway-'));
});
afterAll(async () => {
  await gateway.close();
  await broken.close();
  await rm(dir, { recursive: true, force: true });
});

const yamlSpec = (url: string) => `
# The house gateway in front of our model
url: ${url}/gw/v2/generate?tenant=acme
headers:
  Authorization: Token \${GATEWAY_KEY}
  X-Team: research
body:
  deployment: house-model
  input:
    system: "{{system}}"
    turns: "{{messages}}"
  limits:
    max_new: "{{max_tokens}}"
response:
  prompt_tokens: result.metering.tokens_in
  completion_tokens: $.result["metering"].tokens_out
  text: result.output
`;

async function specFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('generic http protocol', () => {
  it('fills a YAML spec template and reads the counts at its JSON paths', async () => {
    const path = await specFile('gateway.yaml', yamlSpec(gateway.url));
    const { target, wire } = loopbackTarget(`http:${path}`, { env: { GATEWAY_KEY: KEY } });
    const response = await target.send(request);
    const sent = gateway.received.at(-1)!;
    expect(sent.headers.authorization).toBe(`Token ${KEY}`);
    expect(sent.headers['x-team']).toBe('research');
    expect(sent.json).toEqual({
      deployment: 'house-model',
      input: { system: 'You are the house assistant.', turns: [{ role: 'user', content: USER }] },
      limits: { max_new: 2 },
    });
    const expected = tokenizer.encode(template.render(request.messages)).length;
    expect(response.usage).toEqual({ promptTokens: expected, completionTokens: 2, totalTokens: expected + 2 });
    expect(response.text).toBe(
      new TextDecoder().decode(
        Buffer.concat(
          tokenizer
            .encode('OK, noted.')
            .slice(0, 2)
            .map((id) => Buffer.from(tokenizer.tokenBytes(id)!)),
        ),
      ),
    );
    expect(JSON.stringify(wire)).not.toContain(KEY);
    expect(sentBodies(wire)).toHaveLength(1);
  });

  it('fills {{text}} inside a string of a JSON spec, escaped by construction', async () => {
    const path = await specFile(
      'gateway.json',
      JSON.stringify({
        url: `${gateway.url}/gw/v2/generate?tenant=acme`,
        headers: { Authorization: 'Token ${GATEWAY_KEY}' },
        body: { deployment: 'house-model', prompt: '{{system}}\n\nQ: {{text}}' },
        response: { prompt_tokens: 'result.metering.tokens_in' },
      }),
    );
    const response = await loopbackTarget(`http:${path}`, { env: { GATEWAY_KEY: KEY } }).target.send(request);
    const prompt = `You are the house assistant.\n\nQ: ${USER}`;
    expect(gateway.received.at(-1)!.json).toEqual({ deployment: 'house-model', prompt });
    expect(response.usage).toEqual({
      promptTokens: tokenizer.encode(template.render([{ role: 'user', content: prompt }])).length,
    });
  });

  it('is refused by the gateway without the key', async () => {
    const path = await specFile('gateway-nokey.yaml', yamlSpec(gateway.url));
    await expect(loopbackTarget(`http:${path}`).target.send(request)).rejects.toThrow(/HTTP 401.*unauthorized/);
  });

  it('fails an answer without the count at the spec path once, without retrying it', async () => {
    const path = await specFile('broken.yaml', yamlSpec(broken.url));
    for (const [answer, message] of [
      [{ result: { output: 'OK' } }, /http: result.metering.tokens_in should be a token count, got nothing/],
      [
        { result: { output: 'OK', metering: { tokens_in: 12.5, tokens_out: 1 } } },
        /tokens_in should be a token count, got 12.5/,
      ],
      [{ result: { output: 7, metering: { tokens_in: 12, tokens_out: 1 } } }, /http: result.output should be text/],
    ] as const) {
      brokenAnswer = answer;
      const before = broken.received.length;
      const error = (await loopbackTarget(`http:${path}`, { env: { GATEWAY_KEY: KEY } })
        .target.send(request)
        .catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(TargetRequestError);
      expect(error.message).toMatch(message);
      expect(broken.received.length - before).toBe(1);
    }
  });
});

describe('generic http spec validation', () => {
  it('says every problem on a line of its own', () => {
    const spec = `
url: ftp://user:pw@gateway/\${HOST}
method: PUT
colour: blue
headers:
  Authorization: Bearer \${API_KEY}
  X-Other: \${OTHER_KEY}
  X-Bad: \${not-a-name}
body:
  prompt: "{{prompt}} and {{messages}}"
response:
  prompt_tokens: usage..prompt
  extra: x
`;
    let error: unknown;
    try {
      parseGenericHttpSpec(spec, 'gw.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message.split('\n')).toEqual([
      'gw.yaml: colour: unknown field; expected url, method, headers, query, body, response',
      'gw.yaml: url: only a header may name an environment variable',
      'gw.yaml: method: must be POST or GET, not "PUT"',
      'gw.yaml: headers.X-Other: only one header may carry the key, and Authorization already does',
      'gw.yaml: headers.X-Bad: ${not-a-name} is not an environment variable name',
      'gw.yaml: body.prompt: unknown placeholder {{prompt}}; expected {{messages}}, {{text}}, {{system}}, {{max_tokens}}, {{model}}',
      'gw.yaml: body.prompt: {{messages}} is a list, so it must be the whole value',
      'gw.yaml: response.extra: unknown field; expected prompt_tokens, completion_tokens, text',
      'gw.yaml: response.prompt_tokens: "usage..prompt" has no key name at ".prompt"',
    ]);
  });

  it('asks for the essentials of an empty spec and refuses what is not a spec', () => {
    expect(() => parseGenericHttpSpec('url: https://gw.example/v1\n', 's.yaml')).toThrow(
      [
        's.yaml: body: place the probe text somewhere with {{messages}} or {{text}}',
        's.yaml: response: required: a mapping with prompt_tokens (a JSON path) and optionally completion_tokens and text',
      ].join('\n'),
    );
    expect(() => parseGenericHttpSpec('- a\n- b\n', 's.yaml')).toThrow(
      's.yaml: the spec should be a mapping with url, body and response',
    );
    expect(() => parseGenericHttpSpec('url: [unclosed\n', 's.yaml')).toThrow(/s.yaml: not valid YAML or JSON/);
    expect(() => loopbackTarget(`http:${join(dir, 'missing.yaml')}`)).toThrow(/cannot read the spec file \(ENOENT\)/);
    // a token typed after the path as other schemes take one: the error line does not show it
    expect(() => loopbackTarget(`http:${join(dir, 'missing.yaml')}?token=tok-live-81aa`)).toThrow(
      /missing\.yaml\?token=\[redacted\]: cannot read the spec file \(ENOENT\)$/,
    );
  });

  it('reads one value per JSON path', () => {
    const body = { choices: [{ message: { content: 'hi' } }], usage: { 'prompt-tokens': 9 }, a: { b: 0 } };
    const read = (path: string) => readJsonPath(body, parseJsonPath(path) as (string | number)[]);
    expect(read('choices[0].message.content')).toBe('hi');
    expect(read('$.usage["prompt-tokens"]')).toBe(9);
    expect(read('usage.prompt-tokens')).toBe(9);
    expect(read('a.b')).toBe(0);
    expect(read('choices[1].message')).toBeUndefined();
    expect(read('a.toString')).toBeUndefined();
    expect(parseJsonPath('choices[*]')).toBe('"choices[*]" has a bracket that is neither [N] nor ["key"]');
    expect(parseJsonPath('$')).toBe('"$" names no value');
  });
});
