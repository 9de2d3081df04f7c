import { UserError } from '../../util/errors.js';
import type { LogprobToken, TargetRequest, TargetResponse, TokenUsage } from '../target.js';
import {
  givenModel,
  ProtocolError,
  readsAnswer,
  TruncatedReplyError,
  type HttpCall,
  type HttpReply,
  type Protocol,
  type ProtocolOptions,
} from './protocol.js';
import { readSettings } from './protocol-settings.js';
import {
  arrayField,
  conversation,
  countField,
  describe,
  eventJson,
  isObject,
  objectField,
  optionalCountField,
  replyObject,
  systemText,
  type JsonObject,
} from './reply-fields.js';

export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

/** `countTokens` is free and runs the model's tokenizer; `generateContent` bills a short reply. */
export type GeminiCountWay = 'countTokens' | 'generateContent';

export const GEMINI_API_VERSIONS = ['v1beta', 'v1'] as const;
export type GeminiApiVersion = (typeof GEMINI_API_VERSIONS)[number];

export interface GeminiSettings {
  count?: GeminiCountWay;
  /** The API version path segment. */
  apiVersion?: GeminiApiVersion;
}

type Parsed = Omit<TargetResponse, 'latencyMs' | 'raw'>;

/** Top candidates asked for with logprobs unless `--logprobs N` says; each is read as an alternative token. */
const TOP_LOGPROBS = 5;
/** The most top candidates the API lists per step. */
const MAX_TOP_LOGPROBS = 20;

/** The Gemini API: contents with `user`/`model` roles and the system prompt as `systemInstruction`. */
export function geminiProtocol(settings: GeminiSettings = {}): Protocol & { baseUrl: string } {
  const logprobs = (request: TargetRequest, options: ProtocolOptions) =>
    request.wantLogprobs === true || (options.topLogprobs ?? 0) > 0;
  const way = settings.count ?? 'countTokens';
  const version = settings.apiVersion ?? 'v1beta';
  return {
    scheme: 'gemini',
    keyEnv: 'GEMINI_API_KEY',
    baseUrl: GEMINI_BASE_URL,
    counting:
      way === 'countTokens' ? 'prompts counted by countTokens' : 'prompts counted by billed usage of generateContent',
    offers: () => ({ usage: true, chunks: true, logprobs: true, promptTokens: false }),
    authHeaders: (apiKey) => ({ 'x-goog-api-key': apiKey }),
    call(request: TargetRequest, options: ProtocolOptions): HttpCall {
      const model = modelName(givenModel('gemini', options));
      const headers = { 'content-type': 'application/json' };
      const contents = conversation(request.messages).map((m) => ({
        role: m.role === 'assistant' ? 'model' : 'user',
        parts: [{ text: m.content }],
      }));
      const system = systemText(request.messages);
      const systemInstruction = system === undefined ? {} : { systemInstruction: { parts: [{ text: system }] } };
      if (way === 'countTokens' && !readsAnswer(request, options)) {
        // A system instruction can only be counted inside a whole generateContentRequest.
        const body =
          system === undefined ? { contents } : { generateContentRequest: { model, contents, ...systemInstruction } };
        return { method: 'POST', path: `${version}/${model}:countTokens`, headers, body };
      }
      const generationConfig = {
        maxOutputTokens: request.maxOutputTokens ?? 1,
        ...(request.temperature !== undefined && { temperature: request.temperature }),
        ...(request.seed !== undefined && { seed: request.seed }),
        ...(logprobs(request, options) && {
          responseLogprobs: true,
          logprobs: Math.min(options.topLogprobs || TOP_LOGPROBS, MAX_TOP_LOGPROBS),
        }),
      };
      const body = { contents, ...systemInstruction, generationConfig };
      if (request.wantChunks === true || options.stream === true)
        return {
          method: 'POST',
          path: `${version}/${model}:streamGenerateContent`,
          query: { alt: 'sse' },
          headers,
          body,
          stream: true,
        };
      return { method: 'POST', path: `${version}/${model}:generateContent`, headers, body };
    },
    // Read by the reply's shape: the options that chose the endpoint are not passed to parse.
    parse(reply: HttpReply): Parsed {
      if (reply.events) return parseStream(reply);
      const body = replyObject(reply, 'gemini');
      if (body.usageMetadata === undefined && body.candidates === undefined) return parseCount(body);
      return fromResponses([body], false);
    },
  };
}

/** `urlVersion`: the version segment the base URL ended in (`https://host/v1beta`), which names the version too. */
export function geminiSettings(
  given: Readonly<Record<string, string>> | undefined,
  urlVersion?: string,
): GeminiSettings {
  const read = readSettings('gemini', given, {
    count: ['countTokens', 'generateContent'],
    api_version: GEMINI_API_VERSIONS,
  });
  if (read.api_version && urlVersion && read.api_version !== urlVersion)
    throw new UserError(`gemini: the base URL ends in /${urlVersion} but api_version=${read.api_version}; give one`);
  const apiVersion = read.api_version ?? urlVersion;
  return {
    ...(read.count && { count: read.count as GeminiCountWay }),
    ...(apiVersion && { apiVersion: apiVersion as GeminiApiVersion }),
  };
}

/** `gemini-2.5-flash` and `models/gemini-2.5-flash` name the same model; a tuned model keeps its own prefix. */
function modelName(model: string): string {
  return model.includes('/') ? model : `models/${model}`;
}

function parseCount(body: JsonObject): Parsed {
  const promptTokens = countField(body, 'totalTokens', 'gemini countTokens');
  const cachedTokens = optionalCountField(body, 'cachedContentTokenCount', 'gemini countTokens');
  return {
    usage: { promptTokens, ...(cachedTokens && { cachedTokens }) },
    ...(body.promptTokensDetails !== undefined && { metadata: { promptTokensDetails: body.promptTokensDetails } }),
  };
}

/** Each streamed event is a whole GenerateContentResponse holding the next stretch of text. */
function parseStream(reply: HttpReply): Parsed {
  const responses = (reply.events ?? []).filter((e) => e.data.trim() !== '').map((e) => eventJson(e.data, 'gemini'));
  if (!responses.length) throw new ProtocolError('gemini: the stream has no events');
  // The last event carries the finish reason; without it the text and output count are partial.
  const finished = responses.some(
    (r) => Array.isArray(r.candidates) && isObject(r.candidates[0]) && r.candidates[0].finishReason !== undefined,
  );
  if (!finished || reply.complete === false)
    throw new TruncatedReplyError('gemini: the stream broke off before its finishReason');
  return fromResponses(responses, true);
}

function logprobCandidate(value: unknown, what: string): LogprobToken {
  if (!isObject(value) || typeof value.token !== 'string' || typeof value.logProbability !== 'number') {
    throw new ProtocolError(`gemini: ${what} should be {token, tokenId, logProbability}, got ${describe(value)}`);
  }
  return { token: value.token, logprob: value.logProbability };
}

/** `topCandidates[i].candidates`: the likeliest tokens at step i, each a vocabulary token too. */
function topAlternatives(step: unknown): LogprobToken[] {
  if (!isObject(step) || !Array.isArray(step.candidates)) return [];
  return step.candidates.map((c) => logprobCandidate(c, 'a top candidate'));
}

function fromResponses(responses: JsonObject[], streamed: boolean): Parsed {
  const chunks: string[] = [];
  const logprobTokens: LogprobToken[] = [];
  const logprobTokenIds: number[] = [];
  let finishReason: unknown;
  let sawLogprobs = false;
  for (const response of responses) {
    const candidate = Array.isArray(response.candidates) ? response.candidates[0] : undefined;
    if (candidate === undefined) continue;
    if (!isObject(candidate))
      throw new ProtocolError(`gemini: a candidate should be an object, got ${describe(candidate)}`);
    if (candidate.finishReason !== undefined) finishReason = candidate.finishReason;
    const parts = isObject(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : [];
    // Thought summaries are parts too; only the answer's text is the reply.
    chunks.push(
      parts
        .filter((p) => isObject(p) && typeof p.text === 'string' && p.thought !== true)
        .map((p) => (p as JsonObject).text as string)
        .join(''),
    );
    if (candidate.logprobsResult !== undefined) {
      sawLogprobs = true;
      const result = objectField(candidate, 'logprobsResult', 'gemini candidate');
      const top = Array.isArray(result.topCandidates) ? result.topCandidates : [];
      arrayField(result, 'chosenCandidates', 'gemini logprobsResult').forEach((chosen, i) => {
        const token = logprobCandidate(chosen, 'a chosen candidate');
        const alternatives = topAlternatives(top[i]);
        logprobTokens.push(alternatives.length ? { ...token, alternatives } : token);
        if (isObject(chosen) && Number.isInteger(chosen.tokenId)) logprobTokenIds.push(chosen.tokenId as number);
      });
    }
  }
  // Usage is cumulative; the last response that carries it is the whole request's. A proxy may drop it: the run
  // then reads what the answer shows.
  const last = [...responses].reverse().find((r) => r.usageMetadata !== undefined);
  const usage = last && objectField(last, 'usageMetadata', 'gemini response');
  const candidatesTokens = usage
    ? // Zero counts are left out of the JSON, so a missing output count is zero.
      (optionalCountField(usage, 'candidatesTokenCount', 'gemini usageMetadata') ?? 0)
    : undefined;
  const thoughtsTokens = usage
    ? (optionalCountField(usage, 'thoughtsTokenCount', 'gemini usageMetadata') ?? 0)
    : undefined;
  const shown = last ?? responses.at(-1) ?? {};
  return {
    ...(usage && { usage: geminiUsage(usage, candidatesTokens!, thoughtsTokens!) }),
    text: chunks.join(''),
    ...(streamed && { chunks: chunks.filter((c) => c !== '') }),
    ...(sawLogprobs && { logprobTokens }),
    metadata: {
      model: shown.modelVersion,
      responseId: shown.responseId,
      finishReason: finishReason ?? null,
      candidatesTokenCount: candidatesTokens,
      thoughtsTokenCount: thoughtsTokens,
      ...(logprobTokenIds.length > 0 && { logprobTokenIds }),
    },
  };
}

function geminiUsage(usage: JsonObject, candidatesTokens: number, thoughtsTokens: number): TokenUsage {
  const promptTokens = countField(usage, 'promptTokenCount', 'gemini usageMetadata');
  const totalTokens = optionalCountField(usage, 'totalTokenCount', 'gemini usageMetadata');
  const cachedTokens = optionalCountField(usage, 'cachedContentTokenCount', 'gemini usageMetadata');
  return {
    promptTokens,
    // The answer's own tokens, which its text can be compared with; thinking is billed beside them (metadata, total).
    completionTokens: candidatesTokens,
    totalTokens: totalTokens ?? promptTokens + candidatesTokens + thoughtsTokens,
    ...(cachedTokens && { cachedTokens }),
  };
}
