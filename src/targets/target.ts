/**
 * The one interface every kind of target sits behind: a simulated API, a local tokenizer, and later
 * HTTP APIs. A request is chat messages plus options; a response is the normalised token usage, with
 * whatever finer channels the target exposes and the raw exchange for the transcript.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TargetRequest {
  messages: ChatMessage[];
  /** Output cap; identification needs only the prompt count, so one token is enough. */
  maxOutputTokens?: number;
  /** Ask for streamed chunks or logprob tokens where the target can give them. */
  wantChunks?: boolean;
  wantLogprobs?: boolean;
  /** Ask for the prompt cut into the server's own tokens where the target can show it (echo, prompt logprobs, tokenize pieces). */
  wantPromptTokens?: boolean;
  /** Sampling settings, for channels that read the output; unset means greedy. */
  temperature?: number;
  seed?: number;
  /** Asked of the target even when an answer to the same request is cached (a repeat that checks the counts are stable). */
  fresh?: boolean;
  /** A count request asked past the cache (a pack asked again as evidence), not a check of the counts. */
  recount?: boolean;
  /** Sent after answer N for an answer channel (e.g. a repeat cut at `max_tokens`); its prompt count is not a probe's. */
  followUpOf?: number;
  /**
   * Sent to check that count request N's probes are billed alike when asked again (its stray is the tokenizer's, not
   * a hidden part that moved); a check, not evidence of its own.
   */
  repeatOf?: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens?: number;
  totalTokens?: number;
  /** Prompt tokens served from a cache, when the API says. */
  cachedTokens?: number;
}

export interface LogprobToken {
  token: string;
  bytes?: number[];
  logprob?: number;
  /** The top alternatives the server listed at this position (each a vocabulary token too). */
  alternatives?: LogprobToken[];
}

/**
 * The prompt as the server cut it into its own tokens: exact token edges, unlike streamed chunk edges,
 * which may hide several tokens in one chunk.
 */
export interface PromptTokens {
  /** Where the server showed them: a completions `echo`, vLLM `prompt_logprobs`, or a tokenize endpoint's pieces. */
  source: 'echo' | 'prompt_logprobs' | 'tokenize';
  /** The prompt as the server tokenized it, with any chat template text it laid around the messages. */
  text: string;
  /** UTF-8 byte offsets in `text` where a token ends and the next begins, at character starts, ascending. */
  boundaries: number[];
}

export interface TargetResponse {
  /** Billed token counts; absent when the API reported none (some gateways, streams that ignore include_usage). */
  usage?: TokenUsage;
  latencyMs: number;
  text?: string;
  chunks?: string[];
  logprobTokens?: LogprobToken[];
  promptTokens?: PromptTokens;
  /** Model name, provider request id and the like. */
  metadata?: Record<string, unknown>;
  /** What went over the wire (or would have), for the transcript; never holds credentials. */
  raw: { request: unknown; response: unknown };
}

/**
 * What a kind of API can return besides the billed prompt count, as its documentation says. Absent on a target
 * means unknown: the answers tell.
 */
export interface TargetOffers {
  /** Billed token counts (`usage`, `usage_metadata`, `usageMetadata`). */
  usage: boolean;
  /** The answer streamed in chunks. */
  chunks: boolean;
  /** Output tokens with the top alternatives beside each. */
  logprobs: boolean;
  /** The prompt cut into the server's own tokens (echo, prompt logprobs, a tokenize endpoint). */
  promptTokens: boolean;
  /** Generated answers (text, output counts, a cut at max_tokens); absent means yes, false for a tokenize endpoint. */
  answers?: boolean;
}

export interface Target {
  /** The target as the user named it, e.g. `sim:deepseek-v3`. */
  readonly id: string;
  /** What its API can return at all; absent when only its answers can tell. */
  readonly offers?: TargetOffers;
  /** One line saying what is behind it, shown in the run config. */
  readonly description: string;
  /**
   * For an id that names only a model (`openai:gpt-4o`): the variable that chose its server and the URL it
   * stood for (credentials redacted), so a record can send a resume or a re-run to the same server.
   */
  readonly server?: { variable: string; url: string };
  send(request: TargetRequest): Promise<TargetResponse>;
}
