import type { ChatMessage, LogprobToken, Target } from '../../src/targets/target.js';
import {
  askModel,
  declaresJson,
  type Json,
  sendJson,
  sse,
  startWireServer,
  tokenBytes,
  tokensPerChunk,
  WireError,
  type WireRequest,
  type WireServer,
} from './wire-server.js';

/**
 * The OpenAI Chat Completions API as its reference documents it: `POST /v1/chat/completions` with a bearer key;
 * `usage` in the answer, or with `stream` in a last chunk when `stream_options.include_usage` asks; `logprobs`
 * and `top_logprobs` (0-20) give `choices[].logprobs.content[]` of `{token, logprob, bytes, top_logprobs}`.
 */
export interface OpenAiShapedOptions {
  /** Answer without any `usage`, as some gateways and proxies do (and ignore `stream_options.include_usage`). */
  omitUsage?: boolean;
}

const error = (status: number, message: string) => ({
  error: { message, type: status === 401 ? 'authentication_error' : 'invalid_request_error', param: null, code: null },
});

function messagesOf(body: Json): ChatMessage[] {
  if (!Array.isArray(body.messages) || !body.messages.length)
    throw new WireError(400, error(400, "'messages' must be a non-empty array"));
  return body.messages.map((m: Json) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content:
      typeof m.content === 'string'
        ? m.content
        : (m.content ?? [])
            .filter((p: Json) => p.type === 'text')
            .map((p: Json) => p.text)
            .join(''),
  }));
}

const entry = (t: LogprobToken) => ({ token: t.token, logprob: t.logprob ?? 0, bytes: tokenBytes(t) });
const logprobContent = (tokens: readonly LogprobToken[]) =>
  tokens.map((t) => ({ ...entry(t), top_logprobs: (t.alternatives ?? []).map(entry) }));

export async function startOpenAiShapedServer(model: Target, options: OpenAiShapedOptions = {}): Promise<WireServer> {
  let served = 0;
  const handle = async (
    request: WireRequest,
    response: import('node:http').ServerResponse,
    note: (what: string) => void,
  ) => {
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions')
      throw new WireError(404, error(404, `Unknown request URL: ${request.method} ${request.path}`));
    if (!/^Bearer \S+/.test(String(request.headers.authorization ?? '')))
      throw new WireError(401, error(401, 'You did not provide an API key.'));
    if (!declaresJson(request)) note('no Content-Type: application/json');
    const { body } = request;
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? 16;
    const top = body.top_logprobs;
    if (top !== undefined && (body.logprobs !== true || !Number.isInteger(top) || top < 0 || top > 20))
      throw new WireError(400, error(400, "'top_logprobs' must be 0-20 and needs 'logprobs': true"));
    const stream = body.stream === true;
    const answer = await askModel(model, {
      messages: messagesOf(body),
      maxTokens,
      stream,
      topLogprobs: body.logprobs === true ? (top ?? 0) : undefined,
      temperature: body.temperature,
      seed: body.seed ?? 0,
    });
    const { usage: countedOrNone, text = '', chunks = [], logprobTokens } = answer.response;
    // the simulated model behind always bills; leaving usage out is this server's own choice
    const counted = countedOrNone!;
    const usage = {
      prompt_tokens: counted.promptTokens,
      completion_tokens: counted.completionTokens ?? 0,
      total_tokens: counted.promptTokens + (counted.completionTokens ?? 0),
    };
    const wantTop = (tokens: readonly LogprobToken[]) =>
      logprobContent(tokens.map((t) => ({ ...t, alternatives: (t.alternatives ?? []).slice(0, top ?? 0) })));
    const head = { id: `chatcmpl-${++served}`, created: Math.floor(Date.now() / 1000), model: body.model };
    const finish = answer.cut ? 'length' : 'stop';
    if (!stream) {
      sendJson(response, {
        ...head,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text, refusal: null },
            logprobs: logprobTokens ? { content: wantTop(logprobTokens), refusal: null } : null,
            finish_reason: finish,
          },
        ],
        ...(options.omitUsage ? {} : { usage }),
      });
      return;
    }
    const includeUsage = body.stream_options?.include_usage === true && !options.omitUsage;
    const events = sse(response);
    const chunk = (choices: Json[], extra: Json = {}) =>
      events.send({
        ...head,
        object: 'chat.completion.chunk',
        choices,
        ...(includeUsage && { usage: null }),
        ...extra,
      });
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
    const perChunk = logprobTokens ? tokensPerChunk(chunks, logprobTokens) : [];
    chunks.forEach((content, i) =>
      chunk([
        {
          index: 0,
          delta: { content },
          logprobs: logprobTokens ? { content: wantTop(perChunk[i]), refusal: null } : null,
          finish_reason: null,
        },
      ]),
    );
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]);
    if (includeUsage) chunk([], { usage });
    events.end('data: [DONE]\n\n');
  };
  return startWireServer(handle, error);
}
