import type { ChatMessage, TargetRequest, TargetResponse } from '../target.js';
import type { GenericHttpSpec, Placeholder } from './generic-http-spec.js';
import { readJsonPath, type PathSegment } from './json-path.js';
import {
  COUNTS_ONLY,
  ProtocolError,
  type HttpCall,
  type HttpReply,
  type Protocol,
  type ProtocolOptions,
} from './protocol.js';
import { conversation, describe, isCount, plainText, replyJson, systemText } from './reply-fields.js';

type Parsed = Omit<TargetResponse, 'latencyMs' | 'raw'>;

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/**
 * A gateway described by a spec file: the request is the spec's template with the conversation filled in,
 * the counts are read at the spec's JSON paths. `{{messages}}` holds the system message too, unless the
 * template also places `{{system}}`.
 */
export function genericHttpProtocol(spec: GenericHttpSpec): Protocol & { baseUrl: string } {
  const query = Object.fromEntries(spec.url.searchParams);
  return {
    scheme: 'http',
    ...(spec.secretHeader && { keyEnv: spec.secretHeader.env }),
    baseUrl: spec.url.origin,
    // A spec maps counts (and perhaps the answer's text) only: no stream, no logprobs, no prompt tokens.
    offers: () => COUNTS_ONLY,
    authHeaders: (apiKey) =>
      spec.secretHeader
        ? { [spec.secretHeader.name]: spec.secretHeader.template.replace(/\$\{[^}]*\}/, () => apiKey) }
        : {},
    call(request: TargetRequest, options: ProtocolOptions): HttpCall {
      const values = placeholderValues(spec, request, options);
      const filledQuery = Object.fromEntries(
        Object.entries(spec.query).map(([name, text]) => [name, String(fill(text, values))]),
      );
      return {
        method: spec.method,
        path: spec.url.pathname.replace(/^\/+/, ''),
        ...((Object.keys(query).length > 0 || Object.keys(filledQuery).length > 0) && {
          query: { ...query, ...filledQuery },
        }),
        headers: { ...(spec.body !== undefined && { 'content-type': 'application/json' }), ...spec.headers },
        ...(spec.body !== undefined && { body: fillTemplate(spec.body, values) }),
      };
    },
    parse(reply: HttpReply): Parsed {
      const body = replyJson(reply, 'http');
      const promptTokens = count(body, spec.response.promptTokens, spec.response.paths.prompt_tokens);
      const completionTokens =
        spec.response.completionTokens &&
        count(body, spec.response.completionTokens, spec.response.paths.completion_tokens);
      const text = spec.response.text && readJsonPath(body, spec.response.text);
      if (spec.response.text && typeof text !== 'string')
        throw new ProtocolError(`http: ${spec.response.paths.text} should be text, got ${describe(text)}`);
      return {
        usage: {
          promptTokens,
          ...(completionTokens !== undefined && { completionTokens, totalTokens: promptTokens + completionTokens }),
        },
        ...(typeof text === 'string' && { text }),
      };
    },
  };
}

function placeholderValues(
  spec: GenericHttpSpec,
  request: TargetRequest,
  options: ProtocolOptions,
): Record<Placeholder, unknown> {
  const messages: ChatMessage[] = spec.uses.has('system') ? conversation(request.messages) : request.messages;
  return {
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    text: plainText(conversation(request.messages)),
    system: systemText(request.messages) ?? '',
    max_tokens: request.maxOutputTokens ?? 1,
    model: options.model ?? '',
  };
}

function fillTemplate(template: unknown, values: Record<Placeholder, unknown>): unknown {
  if (typeof template === 'string') return fill(template, values);
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, values));
  if (typeof template === 'object' && template !== null) {
    return Object.fromEntries(Object.entries(template).map(([key, item]) => [key, fillTemplate(item, values)]));
  }
  return template;
}

/** A string that is one placeholder becomes its value; placeholders inside longer text become text. */
function fill(text: string, values: Record<Placeholder, unknown>): unknown {
  const whole = new RegExp(`^${PLACEHOLDER.source}$`).exec(text);
  if (whole) return values[whole[1] as Placeholder];
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name as Placeholder];
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

function count(body: unknown, path: PathSegment[], written: string | undefined): number {
  const value = readJsonPath(body, path);
  if (!isCount(value)) throw new ProtocolError(`http: ${written} should be a token count, got ${describe(value)}`);
  return value;
}
