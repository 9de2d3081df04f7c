import type { verdictJson } from '../scoring/verdict-json.js';
import type { Budget } from '../scoring/identify.js';

/** verdict.json as identify writes it; runs from before a field existed lack it, so the extras are optional. */
export type VerdictRecord = Omit<ReturnType<typeof verdictJson>, 'hypotheses' | 'strongestProbes' | 'trail'> &
  Partial<Pick<ReturnType<typeof verdictJson>, 'hypotheses' | 'strongestProbes' | 'trail'>>;

export type Hypothesis = NonNullable<VerdictRecord['hypotheses']>[number];

export interface RunSettings {
  target: string;
  description: string;
  budget: Budget;
  seed: number;
  probes?: number;
  references?: number;
  /** How the run looked at the target: requests to an API, or its tokenizer files compared (white-box). */
  method: 'requests' | 'white-box';
  /** Who ran the audit (--operator). */
  operator?: string;
  /** The tokprint version that ran it, when recorded. */
  tokprint?: string;
  /** The reference index it scored against, when recorded. */
  index?: { schema?: number; sha256: string; signaturesSha256?: string };
  /** A white-box run's tokenizer files, each with its sha256. */
  files?: { name: string; sha256: string }[];
  /** The answer channels asked for, the scoring path and the HTTP options as given: what reproduces the run. */
  channels?: string[];
  engine?: string;
  http?: Record<string, unknown>;
  /** For a target id naming only a model: the variable that chose its server and the URL it stood for. */
  server?: { variable: string; url: string };
}

/** One request of the run as the transcript has it, with the lines (1-based) that hold it. */
export interface RecordedRequest {
  seq: number;
  lines: { request?: number; response?: number; error?: number };
  at?: string;
  /** Characters of message text sent. */
  chars: number;
  promptTokens?: number;
  completionTokens?: number;
  cachedTokens?: number;
  latencyMs?: number;
  error?: string;
  /** Filled from the observations: which stratum the probes came from, and how many. */
  stratum?: string;
  probes?: number;
  /** For a request sent for the counts: which of them it was (its observation's number, from 1). */
  observation?: number;
  /** For a channel's follow-up (e.g. a repeat request): the seq of the request it follows. */
  followUpOf?: number;
  /** The bare frame sent again to check that the billed counts are stable; no evidence of its own. */
  frameCheck?: boolean;
  /** For a count request's probes asked again to check its stray: the seq of that request; no evidence either. */
  strayCheckOf?: number;
  /** The channels this answer carried. */
  channels: string[];
}

export type DigestState =
  | { state: 'sealed'; sha256: string }
  | { state: 'mismatch'; sha256: string }
  | { state: 'none' };

/** Everything a report says, read from one run directory. Renderers take this and nothing else. */
export interface RunReport {
  dir: string;
  tool: { name: string; version: string };
  settings: RunSettings;
  verdict: VerdictRecord;
  requests: RecordedRequest[];
  transcript: { lines: number; digest: DigestState; resumed: number };
  spent: { requests: number; promptTokens: number; completionTokens: number; httpAttempts: number };
  /** The leak channels the answers carried, e.g. billed prompt tokens, streamed chunks. */
  channels: string[];
  /** The model names the target's answers stated (e.g. an OpenAI answer's `model`), each once, in order seen. */
  servedModels: string[];
  /** When the run started and ended, from the transcript. */
  started?: string;
  finished?: string;
}
