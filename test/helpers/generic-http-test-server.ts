import type { Tokenizer } from '../../src/references/tokenizer.js';
import type { ChatTemplate } from '../../src/targets/chat-templates.js';
import type { ChatMessage } from '../../src/targets/target.js';
import { startJsonServer, type JsonServer, type ServerAnswer } from './generic-json-server.js';

/**
 * An in-house gateway of the kind `http:` specs describe: its own path, auth scheme and field names
 * (`Authorization: Token <key>`, `deployment`, `input.turns`, `result.metering.tokens_in`), counting
 * with a real tokenizer over a chat template.
 */
export interface GatewayOptions {
  tokenizer: Tokenizer;
  template: ChatTemplate;
  /** The key the server takes; unset, it takes any key (one is still required), so only the client can tell keys apart. */
  apiKey?: string;
  /** What the gateway answers instead of a well-formed result, to test bad replies. */
  override?: () => unknown;
}

export async function startGateway(options: GatewayOptions): Promise<JsonServer> {
  const { tokenizer, template } = options;
  const replyIds = tokenizer.encode('OK, noted.');
  const refuse = (status: number, message: string): ServerAnswer => ({ status, json: { message, request_id: 'gw-0' } });
  return startJsonServer((request) => {
    if (request.method !== 'POST' || request.path !== '/gw/v2/generate') return refuse(404, 'no such route');
    if (request.query.get('tenant') !== 'acme') return refuse(400, 'tenant query parameter is required');
    const auth = request.headers.authorization;
    if (options.apiKey === undefined ? !/^Token \S+$/.test(auth ?? '') : auth !== `Token ${options.apiKey}`)
      return refuse(401, 'unauthorized');
    const body = request.json;
    if (!isObject(body)) return refuse(400, 'body must be a JSON object');
    if (typeof body.deployment !== 'string') return refuse(400, 'deployment is required');
    let messages: ChatMessage[];
    if (typeof body.prompt === 'string') messages = [{ role: 'user', content: body.prompt }];
    else if (isObject(body.input) && Array.isArray(body.input.turns)) {
      const turns = body.input.turns as ChatMessage[];
      if (
        !turns.every(
          (t) => isObject(t) && typeof t.content === 'string' && (t.role === 'user' || t.role === 'assistant'),
        )
      ) {
        return refuse(400, 'input.turns: each turn needs role user or assistant and text content');
      }
      const system =
        typeof body.input.system === 'string' && body.input.system
          ? [{ role: 'system' as const, content: body.input.system }]
          : [];
      messages = [...system, ...turns];
    } else return refuse(400, 'give input.turns or prompt');
    const maxNew = isObject(body.limits) ? body.limits.max_new : undefined;
    if (maxNew !== undefined && !(Number.isInteger(maxNew) && (maxNew as number) > 0))
      return refuse(400, 'limits.max_new must be a positive integer');
    if (options.override) return { status: 200, json: options.override() };
    const out = replyIds.slice(0, (maxNew as number | undefined) ?? replyIds.length);
    const text = new TextDecoder().decode(
      Buffer.concat(out.map((id) => Buffer.from(tokenizer.tokenBytes(id) ?? new Uint8Array()))),
    );
    return {
      status: 200,
      json: {
        result: {
          output: text,
          metering: { tokens_in: tokenizer.encode(template.render(messages)).length, tokens_out: out.length },
        },
        request_id: 'gw-1',
      },
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
