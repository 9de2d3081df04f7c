import type { Tokenizer } from '../../src/references/tokenizer.js';
import { CHAT_TEMPLATES } from '../../src/targets/chat-templates.js';
import type { ChatMessage } from '../../src/targets/target.js';
import { eventTexts, instructedReply, modelAnswer } from './answer-text.js';
import { startJsonServer, type JsonServer, type ReceivedRequest, type ServerAnswer } from './generic-json-server.js';

/**
 * A loopback stand-in for the Gemini API as its documentation describes it: `POST /v1beta/models/{model}:countTokens`,
 * `:generateContent` and `:streamGenerateContent?alt=sse` (and the same under `/v1`), a key in `x-goog-api-key` or
 * `?key=`, JSON bodies sent as `application/json`, its field names, validation and `google.rpc` error shape,
 * counting with a real tokenizer over the Gemma chat layout (system instruction folded into the first turn) and
 * answering in that tokenizer's tokens.
 */
export interface GeminiServerOptions {
  tokenizer: Tokenizer;
  /** The key the server takes; unset, it takes any key (one is still required), so only the client can tell keys apart. */
  apiKey?: string;
  models: string[];
  /** The model's answer to every message (default GEMINI_FIXED_REPLY). */
  reply?: string;
  /** The model does as asked instead (see instructedReply): says back a text it is asked to repeat. */
  followsInstructions?: boolean;
  /** Tokens per streamed event (default 2). */
  tokensPerEvent?: number;
  /** Tokens the model "thinks" before answering, reported as thoughtsTokenCount. */
  thoughtsTokens?: number;
}

/** What the server counts: the conversation as Gemma's template lays it out. */
export function geminiRenderForCounting(
  system: string | undefined,
  contents: readonly { role: string; text: string }[],
): string {
  const messages: ChatMessage[] = [
    ...(system === undefined ? [] : [{ role: 'system' as const, content: system }]),
    ...contents.map((c) => ({
      role: c.role === 'model' ? ('assistant' as const) : ('user' as const),
      content: c.text,
    })),
  ];
  return CHAT_TEMPLATES.gemma.render(messages);
}

export const GEMINI_FIXED_REPLY = 'OK. I have read your message.';

export async function startGeminiServer(options: GeminiServerOptions): Promise<JsonServer> {
  const { tokenizer } = options;
  return startJsonServer((request) => {
    const refused = checkKey(request, options.apiKey);
    if (refused) return refused;
    const route = /^\/(v1beta|v1)\/models\/([^/:]+):(countTokens|generateContent|streamGenerateContent)$/.exec(
      request.path,
    );
    if (request.method !== 'POST' || !route) return rpcError(404, 'NOT_FOUND', `Requested entity was not found.`);
    const [, version, model, method] = route;
    if (!options.models.includes(model))
      return rpcError(
        404,
        'NOT_FOUND',
        `models/${model} is not found for API version ${version}, or is not supported for ${method}.`,
      );
    if (!(request.headers['content-type'] ?? '').startsWith('application/json'))
      return rpcError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. The request must be application/json.');
    const body = request.json;
    if (!isObject(body)) return rpcError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');

    let generate: Record<string, unknown> = body;
    if (method === 'countTokens' && body.generateContentRequest !== undefined) {
      if (body.contents !== undefined)
        return rpcError(400, 'INVALID_ARGUMENT', 'contents and generate_content_request cannot both be set.');
      if (!isObject(body.generateContentRequest))
        return rpcError(400, 'INVALID_ARGUMENT', 'Invalid generate_content_request.');
      generate = body.generateContentRequest;
      if (generate.model !== `models/${model}`)
        return rpcError(
          400,
          'INVALID_ARGUMENT',
          '* CountTokensRequest.generate_content_request.model: model is required and must match the request path',
        );
    }
    const read = readContents(generate);
    if (typeof read === 'string') return rpcError(400, 'INVALID_ARGUMENT', read);
    const promptTokens = tokenizer.encode(geminiRenderForCounting(read.system, read.contents)).length;
    const details = [{ modality: 'TEXT', tokenCount: promptTokens }];
    if (method === 'countTokens')
      return { status: 200, json: { totalTokens: promptTokens, promptTokensDetails: details } };

    const config = isObject(generate.generationConfig) ? generate.generationConfig : {};
    const invalid = configProblem(config);
    if (invalid) return rpcError(400, 'INVALID_ARGUMENT', invalid);
    const thoughts = options.thoughtsTokens ?? 0;
    const max = typeof config.maxOutputTokens === 'number' ? config.maxOutputTokens : 8192;
    const said = options.followsInstructions
      ? instructedReply(read.contents.at(-1)?.text ?? '')
      : (options.reply ?? GEMINI_FIXED_REPLY);
    const answer = modelAnswer(tokenizer, said, max - thoughts);
    const finishReason = answer.cut ? 'MAX_TOKENS' : 'STOP';
    const top = config.responseLogprobs === true ? ((config.logprobs as number | undefined) ?? 0) : undefined;
    const responseFor = (text: string, ids: number[], offset: number, last: boolean) => ({
      candidates: [
        {
          content: { parts: [{ text }], role: 'model' },
          ...(last && { finishReason }),
          index: 0,
          ...(top !== undefined && {
            logprobsResult: {
              topCandidates: ids.map((id, i) => ({ candidates: topCandidates(tokenizer, id, offset + i, top) })),
              chosenCandidates: ids.map((id, i) => chosen(tokenizer, id, offset + i)),
            },
          }),
        },
      ],
      usageMetadata: {
        promptTokenCount: promptTokens,
        ...(offset + ids.length > 0 && { candidatesTokenCount: offset + ids.length }),
        totalTokenCount: promptTokens + offset + ids.length + thoughts,
        promptTokensDetails: details,
        ...(thoughts > 0 && { thoughtsTokenCount: thoughts }),
      },
      modelVersion: model,
      responseId: 'loopback-response-1',
    });
    if (method === 'generateContent') return { status: 200, json: responseFor(answer.text, answer.ids, 0, true) };
    // The real stream sends stretches of text, not single tokens.
    const perEvent = options.tokensPerEvent ?? 2;
    const texts = eventTexts(tokenizer, answer, perEvent);
    const events = texts.map((text, n) => ({
      data: responseFor(text, answer.ids.slice(n * perEvent, (n + 1) * perEvent), n * perEvent, n === texts.length - 1),
    }));
    if (!events.length) events.push({ data: responseFor('', [], 0, true) });
    if (request.query.get('alt') !== 'sse') return { status: 200, json: events.map((e) => e.data) };
    return { status: 200, events };
  });
}

/** What the API refuses in a generationConfig. */
function configProblem(config: Record<string, unknown>): string | undefined {
  if (config.logprobs !== undefined && config.responseLogprobs !== true)
    return 'logprobs is only valid if responseLogprobs is true.';
  const within = (value: unknown, low: number, high: number) =>
    typeof value === 'number' && value >= low && value <= high;
  if (config.logprobs !== undefined && !(Number.isInteger(config.logprobs) && within(config.logprobs, 0, 20)))
    return 'logprobs must be between 0 and 20.';
  if (config.temperature !== undefined && !within(config.temperature, 0, 2))
    return '* GenerationConfig.temperature: must be in the range [0.0, 2.0]';
  if (config.seed !== undefined && !Number.isInteger(config.seed)) return 'Invalid value at generation_config.seed';
  if (
    config.maxOutputTokens !== undefined &&
    !(Number.isInteger(config.maxOutputTokens) && (config.maxOutputTokens as number) >= 1)
  )
    return '* GenerationConfig.max_output_tokens: must be positive';
  return undefined;
}

/**
 * The likeliest tokens at a step, sorted by log probability: the chosen token, then shorter vocabulary tokens
 * that start the same text (what a model would also have found likely).
 */
function topCandidates(tokenizer: Tokenizer, id: number, position: number, count: number) {
  const text = decode(tokenizer, [id]);
  const ids = [id];
  for (let end = [...text].length - 1; end > 0 && ids.length < count; end--) {
    const shorter = tokenizer.encode([...text].slice(0, end).join(''))[0];
    if (shorter !== undefined && !ids.includes(shorter)) ids.push(shorter);
  }
  return ids.slice(0, Math.max(1, count)).map((candidate, rank) => ({
    ...chosen(tokenizer, candidate, position),
    logProbability: -0.125 * (position + 1) - rank,
  }));
}

function chosen(tokenizer: Tokenizer, id: number, position: number) {
  return { token: decode(tokenizer, [id]), tokenId: id, logProbability: -0.125 * (position + 1) };
}

function checkKey(request: ReceivedRequest, apiKey: string | undefined): ServerAnswer | undefined {
  const key = request.headers['x-goog-api-key'] ?? request.query.get('key') ?? undefined;
  if (key === undefined) {
    return rpcError(
      403,
      'PERMISSION_DENIED',
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  }
  if (apiKey !== undefined && key !== apiKey)
    return rpcError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
  return undefined;
}

function readContents(
  request: Record<string, unknown>,
): { system?: string; contents: { role: string; text: string }[] } | string {
  if (!Array.isArray(request.contents) || request.contents.length === 0)
    return '* GenerateContentRequest.contents: contents is not specified';
  const contents: { role: string; text: string }[] = [];
  for (const content of request.contents) {
    if (!isObject(content)) return 'Invalid value at contents: expected an object';
    const role = content.role ?? 'user';
    if (role !== 'user' && role !== 'model') return 'Please use a valid role: user, model.';
    const text = partsText(content.parts);
    if (text === undefined) return '* GenerateContentRequest.contents.parts: contents.parts must not be empty';
    contents.push({ role: role as string, text });
  }
  if (request.systemInstruction === undefined) return { contents };
  const system = isObject(request.systemInstruction) ? partsText(request.systemInstruction.parts) : undefined;
  if (system === undefined) return 'Invalid value at system_instruction: expected {parts: [{text}]}';
  return { system, contents };
}

function partsText(parts: unknown): string | undefined {
  if (!Array.isArray(parts) || parts.length === 0) return undefined;
  const texts = parts.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : undefined));
  return texts.every((t) => t !== undefined) ? texts.join('') : undefined;
}

function rpcError(code: number, status: string, message: string): ServerAnswer {
  return { status: code, json: { error: { code, message, status } } };
}

function decode(tokenizer: Tokenizer, ids: readonly number[]): string {
  return new TextDecoder().decode(
    Buffer.concat(ids.map((id) => Buffer.from(tokenizer.tokenBytes(id) ?? new Uint8Array()))),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
