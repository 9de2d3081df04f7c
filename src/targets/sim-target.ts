import type { Tokenizer } from '../references/tokenizer.js';
import type { ChatTemplate } from './chat-templates.js';
import { simAnswer, type SimAnswerOptions } from './sim-answer.js';
import type { ChatMessage, Target, TargetRequest, TargetResponse } from './target.js';

export interface SimulatedApi {
  id: string;
  description: string;
  tokenizer: Tokenizer;
  template: ChatTemplate;
  /** Prepended to every conversation and never shown to the caller, like a product's own instructions. */
  hiddenSystemPrompt: string;
  /** A live part appended to the hidden prompt, drawn afresh for each request (a clock, an id, notes). */
  varyingPrompt?: () => string;
  /** How answers longer than one token are generated, streamed and listed with logprobs. */
  answers?: SimAnswerOptions & { seed?: number };
  /** Left out of every answer, as some gateways leave out usage, or APIs that cannot stream or list logprobs. */
  omit?: readonly ('usage' | 'chunks' | 'logprobs')[];
}

/** The answer without what the simulated API leaves out, on the wire too. */
function withheld(response: TargetResponse, omit: SimulatedApi['omit']): TargetResponse {
  if (!omit?.length) return response;
  const out = { ...response };
  const wire = structuredClone(response.raw.response) as { usage?: unknown; choices?: { logprobs?: unknown }[] };
  if (omit.includes('usage')) {
    delete out.usage;
    delete wire.usage;
  }
  if (omit.includes('chunks')) delete out.chunks;
  if (omit.includes('logprobs')) {
    delete out.logprobTokens;
    for (const choice of wire.choices ?? []) delete choice.logprobs;
  }
  return { ...out, raw: { ...response.raw, response: wire } };
}

/** Whether a request reads more of the answer than the single token a count request asks for. */
function readsAnswer(request: TargetRequest): boolean {
  return (request.maxOutputTokens ?? 1) > 1 || Boolean(request.wantChunks) || Boolean(request.wantLogprobs);
}

/**
 * An in-process chat API: it lays the conversation out with its template, counts the prompt with its
 * tokenizer and bills that count, as a server running the model would. Asked for more than one output
 * token, for chunks or for logprobs, it answers with generated text in its tokenizer's tokens.
 */
export function simulatedTarget(api: SimulatedApi): Target {
  return {
    id: api.id,
    description: api.description,
    async send(request: TargetRequest): Promise<TargetResponse> {
      return withheld(respond(api, request), api.omit);
    },
  };
}

function respond(api: SimulatedApi, request: TargetRequest): TargetResponse {
  const started = performance.now();
  const live = api.varyingPrompt?.();
  const hidden = live ? [api.hiddenSystemPrompt, live].filter(Boolean).join('\n') : api.hiddenSystemPrompt;
  const messages: ChatMessage[] = hidden
    ? [{ role: 'system', content: hidden }, ...request.messages.filter((m) => m.role !== 'system')]
    : request.messages;
  const promptTokens = api.tokenizer.encode(api.template.render(messages)).length;
  if (readsAnswer(request)) return answered(api, request, promptTokens, started);
  const usage = { promptTokens, completionTokens: 1, totalTokens: promptTokens + 1 };
  return {
    usage,
    text: 'OK',
    latencyMs: performance.now() - started,
    metadata: { model: 'simulated' },
    raw: {
      request: { messages: request.messages, max_tokens: request.maxOutputTokens ?? 1 },
      response: {
        choices: [{ message: { role: 'assistant', content: 'OK' } }],
        usage: { prompt_tokens: promptTokens, completion_tokens: 1 },
      },
    },
  };
}

function answered(api: SimulatedApi, request: TargetRequest, promptTokens: number, started: number): TargetResponse {
  const maxTokens = request.maxOutputTokens ?? 16;
  const seed = ((api.answers?.seed ?? 1) * 1_000_003 + (request.seed ?? 0)) >>> 0;
  const answer = simAnswer(api.tokenizer, seed, maxTokens, api.answers);
  const usage = {
    promptTokens,
    completionTokens: answer.completionTokens,
    totalTokens: promptTokens + answer.completionTokens,
  };
  const logprobs = request.wantLogprobs ? answer.logprobTokens : undefined;
  const wire = (t: (typeof answer.logprobTokens)[number]) => ({
    token: t.token,
    bytes: t.bytes,
    logprob: t.logprob,
    top_logprobs: (t.alternatives ?? []).map(({ token, bytes, logprob }) => ({ token, bytes, logprob })),
  });
  return {
    usage,
    text: answer.text,
    ...(request.wantChunks ? { chunks: answer.chunks } : {}),
    ...(logprobs ? { logprobTokens: logprobs } : {}),
    latencyMs: performance.now() - started,
    metadata: { model: 'simulated' },
    raw: {
      request: {
        messages: request.messages,
        max_tokens: maxTokens,
        stream: request.wantChunks ?? false,
        logprobs: request.wantLogprobs ?? false,
        temperature: request.temperature,
        seed: request.seed,
      },
      response: {
        choices: [
          {
            message: { role: 'assistant', content: answer.text },
            finish_reason: answer.truncated ? 'length' : 'stop',
            ...(logprobs ? { logprobs: { content: logprobs.map(wire) } } : {}),
          },
        ],
        usage: { prompt_tokens: promptTokens, completion_tokens: answer.completionTokens },
      },
    },
  };
}
