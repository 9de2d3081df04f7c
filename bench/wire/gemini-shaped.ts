import type { ServerResponse } from 'node:http';
import type { ChatMessage, LogprobToken, Target } from '../../src/targets/target.js';
import {
  askModel,
  declaresJson,
  type Json,
  seedOfBody,
  sendJson,
  sse,
  startWireServer,
  tokensPerChunk,
  WireError,
  type WireRequest,
  type WireServer,
} from './wire-server.js';

/**
 * The Gemini API as its REST reference documents it: `POST /v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse` (each event a whole GenerateContentResponse with the next stretch of text) and
 * `:countTokens` (`{contents}` or `{generateContentRequest}`, answered `{totalTokens}`), keyed by `x-goog-api-key`
 * or `?key=`; `systemInstruction`, `generationConfig` (`maxOutputTokens`, `temperature`, `seed`,
 * `responseLogprobs`, `logprobs` 0-20); `usageMetadata` and `candidates[].logprobsResult` (`chosenCandidates`,
 * `topCandidates[].candidates`, each `{token, logProbability}`).
 */
const STATUS = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 404: 'NOT_FOUND', 500: 'INTERNAL' } as const;
const error = (status: number, message: string) => ({
  error: { code: status, message, status: STATUS[status as keyof typeof STATUS] ?? 'UNKNOWN' },
});

const ROUTE = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;

const textOf = (content: Json | undefined): string =>
  (Array.isArray(content?.parts) ? content.parts : [])
    .filter((p: Json) => typeof p?.text === 'string')
    .map((p: Json) => p.text)
    .join('');

function messagesOf(request: Json): ChatMessage[] {
  if (!Array.isArray(request.contents) || !request.contents.length)
    throw new WireError(400, error(400, '* GenerateContentRequest.contents: contents is not specified'));
  const turns: ChatMessage[] = request.contents.map((c: Json) => ({
    role: c.role === 'model' ? 'assistant' : 'user',
    content: textOf(c),
  }));
  return request.systemInstruction ? [{ role: 'system', content: textOf(request.systemInstruction) }, ...turns] : turns;
}

const candidate = (t: LogprobToken) => ({ token: t.token, logProbability: t.logprob ?? 0 });

function logprobsResult(tokens: readonly LogprobToken[], top: number) {
  return {
    topCandidates: tokens.map((t) => ({ candidates: [t, ...(t.alternatives ?? [])].slice(0, top).map(candidate) })),
    chosenCandidates: tokens.map(candidate),
  };
}

export async function startGeminiShapedServer(model: Target): Promise<WireServer> {
  let served = 0;
  const handle = async (request: WireRequest, response: ServerResponse, note: (what: string) => void) => {
    const route = ROUTE.exec(request.path);
    if (request.method !== 'POST' || !route)
      throw new WireError(404, error(404, `Method not found: ${request.method} ${request.path}`));
    if (!request.headers['x-goog-api-key'] && !request.query.get('key'))
      throw new WireError(401, error(401, "Method doesn't allow unregistered callers. Please use an API key."));
    if (!declaresJson(request)) note('no Content-Type: application/json');
    const [, , modelName, method] = route;
    const { body } = request;
    if (method === 'countTokens') {
      note('countTokens');
      const inner = body.generateContentRequest ?? body;
      const counted = await askModel(model, { messages: messagesOf(inner), maxTokens: 1, stream: false, seed: 0 });
      sendJson(response, { totalTokens: counted.response.usage!.promptTokens });
      return;
    }
    const config: Json = body.generationConfig ?? {};
    const top = config.logprobs;
    if (top !== undefined && (config.responseLogprobs !== true || !Number.isInteger(top) || top < 0 || top > 20))
      throw new WireError(400, error(400, 'logprobs must be 0-20 and needs responseLogprobs'));
    const stream = method === 'streamGenerateContent';
    if (stream && request.query.get('alt') !== 'sse') note('streamGenerateContent without alt=sse');
    const answer = await askModel(model, {
      messages: messagesOf(body),
      maxTokens: config.maxOutputTokens ?? 8192,
      stream,
      topLogprobs: config.responseLogprobs === true ? (top ?? 0) : undefined,
      temperature: config.temperature,
      // sampling draws anew on each request unless a seed is given
      seed: config.seed ?? seedOfBody(body),
    });
    const { usage: countedOrNone, text = '', chunks = [], logprobTokens } = answer.response;
    // the simulated model behind always bills; leaving usage out is this server's own choice
    const counted = countedOrNone!;
    const usageMetadata = (done: boolean) => ({
      promptTokenCount: counted.promptTokens,
      ...(done && { candidatesTokenCount: counted.completionTokens ?? 0 }),
      totalTokenCount: counted.promptTokens + (done ? (counted.completionTokens ?? 0) : 0),
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: counted.promptTokens }],
    });
    const head = { modelVersion: modelName, responseId: `gemini-${++served}` };
    const finishReason = answer.cut ? 'MAX_TOKENS' : 'STOP';
    const candidateOf = (part: string, tokens: readonly LogprobToken[] | undefined, done: boolean) => ({
      content: { parts: [{ text: part }], role: 'model' },
      ...(done && { finishReason }),
      index: 0,
      ...(tokens && { logprobsResult: logprobsResult(tokens, top ?? 0) }),
    });
    if (!stream) {
      sendJson(response, {
        candidates: [candidateOf(text, logprobTokens, true)],
        usageMetadata: usageMetadata(true),
        ...head,
      });
      return;
    }
    const events = sse(response);
    const perChunk = logprobTokens ? tokensPerChunk(chunks, logprobTokens) : [];
    const parts = chunks.length ? chunks : [''];
    parts.forEach((part, i) => {
      const done = i === parts.length - 1;
      events.send({
        candidates: [candidateOf(part, logprobTokens ? (perChunk[i] ?? []) : undefined, done)],
        usageMetadata: usageMetadata(done),
        ...head,
      });
    });
    events.end();
  };
  return startWireServer(handle, error);
}
