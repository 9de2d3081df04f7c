import type { ServerResponse } from 'node:http';
import type { ChatMessage, Target } from '../../src/targets/target.js';
import {
  askModel,
  declaresJson,
  type Json,
  seedOfBody,
  sendJson,
  sse,
  startWireServer,
  WireError,
  type WireRequest,
  type WireServer,
} from './wire-server.js';

/**
 * The Anthropic Messages API as its reference documents it: `POST /v1/messages` and `/v1/messages/count_tokens`
 * with `x-api-key`, `anthropic-version` and a JSON body; `system` beside the messages; `usage.input_tokens` and
 * `output_tokens`; streamed as `message_start`, `content_block_start`, `ping`, `content_block_delta`
 * (`text_delta`), `content_block_stop`, `message_delta` (final `usage`) and `message_stop` events. No logprobs and
 * no sampling seed.
 */
const error = (status: number, message: string) => ({
  type: 'error',
  error: {
    type: status === 401 ? 'authentication_error' : status === 404 ? 'not_found_error' : 'invalid_request_error',
    message,
  },
});

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content
          .filter((b: Json) => b?.type === 'text')
          .map((b: Json) => b.text)
          .join('')
      : '';

function messagesOf(body: Json): ChatMessage[] {
  if (!Array.isArray(body.messages) || !body.messages.length)
    throw new WireError(400, error(400, 'messages: at least one message is required'));
  const turns = body.messages.map((m: Json, i: number) => {
    if (m.role !== 'user' && m.role !== 'assistant')
      throw new WireError(400, error(400, `messages.${i}.role: Input should be 'user' or 'assistant'`));
    return { role: m.role, content: textOf(m.content) };
  });
  return body.system === undefined ? turns : [{ role: 'system', content: textOf(body.system) }, ...turns];
}

export async function startAnthropicShapedServer(model: Target): Promise<WireServer> {
  let served = 0;
  const handle = async (request: WireRequest, response: ServerResponse, note: (what: string) => void) => {
    const counting = request.path === '/v1/messages/count_tokens';
    if (request.method !== 'POST' || (request.path !== '/v1/messages' && !counting))
      throw new WireError(404, error(404, `Not found: ${request.method} ${request.path}`));
    if (!request.headers['x-api-key']) throw new WireError(401, error(401, 'x-api-key header is required'));
    if (!request.headers['anthropic-version'])
      throw new WireError(400, error(400, 'anthropic-version: header is required'));
    if (!declaresJson(request)) note('no Content-Type: application/json');
    const { body } = request;
    if (typeof body.model !== 'string') throw new WireError(400, error(400, 'model: Field required'));
    const messages = messagesOf(body);
    if (counting) {
      note('count_tokens (an estimate, documented as possibly differing from billed usage)');
      const counted = await askModel(model, { messages, maxTokens: 1, stream: false, seed: 0 });
      sendJson(response, { input_tokens: counted.response.usage!.promptTokens });
      return;
    }
    if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1)
      throw new WireError(400, error(400, 'max_tokens: Field required'));
    const stream = body.stream === true;
    const answer = await askModel(model, {
      messages,
      maxTokens: body.max_tokens,
      stream,
      temperature: body.temperature,
      seed: seedOfBody(body),
    });
    const { usage: countedOrNone, text = '', chunks = [] } = answer.response;
    // the simulated model behind always bills; leaving usage out is this server's own choice
    const counted = countedOrNone!;
    const output = counted.completionTokens ?? 0;
    const stopReason = answer.cut ? 'max_tokens' : 'end_turn';
    const message = { id: `msg_${++served}`, type: 'message', role: 'assistant', model: body.model };
    if (!stream) {
      sendJson(response, {
        ...message,
        content: [{ type: 'text', text }],
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { input_tokens: counted.promptTokens, output_tokens: output },
      });
      return;
    }
    const events = sse(response);
    const send = (data: Json) => events.send(data, data.type);
    send({
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: counted.promptTokens, output_tokens: 1 },
      },
    });
    send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    send({ type: 'ping' });
    for (const chunk of chunks)
      send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: chunk } });
    send({ type: 'content_block_stop', index: 0 });
    send({
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: output },
    });
    send({ type: 'message_stop' });
    events.end();
  };
  return startWireServer(handle, error);
}
