/**
 * What the executor records of each exchange, in the order it happened: every attempt and redirect
 * hop as sent (credentials redacted) and as answered, before the answer is used.
 */
export type WireEntry =
  | { kind: 'http-request'; key: string; attempt: number; at: string; method: string; url: string; headers: Record<string, string>; body?: string }
  | { kind: 'http-response'; key: string; attempt: number; at: string; ms: number; status: number; headers: Record<string, string>; body: string; complete: boolean; stream: boolean; /** Reading stopped at a cap (why); `body` holds only its start. */ cut?: string }
  | { kind: 'http-error'; key: string; attempt: number; at: string; ms: number; message: string }
  /** An answer taken from the response cache instead of the network, recorded in full so the run stands alone. */
  | { kind: 'http-cached'; key: string; at: string; status: number; headers: Record<string, string>; body: string; stream: boolean };

export interface WireLog {
  append(entry: WireEntry): void;
}
