/**
 * What the executor records of each exchange, in the order it happened: every attempt and redirect
 * hop as sent (credentials redacted) and as answered, before the answer is used.
 */
export type WireEntry =
  | {
      kind: 'http-request';
      key: string;
      attempt: number;
      at: string;
      method: string;
      url: string;
      headers: Record<string, string>;
      body?: string;
    }
  | {
      kind: 'http-response';
      key: string;
      attempt: number;
      at: string;
      ms: number;
      status: number;
      headers: Record<string, string>;
      body: string;
      complete: boolean;
      stream: boolean /** Reading stopped at a cap (why); `body` holds only its start. */;
      cut?: string;
    }
  | { kind: 'http-error'; key: string; attempt: number; at: string; ms: number; message: string }
  /**
   * An answer replayed from the response cache (`--cache <ttl>`) instead of the network, recorded in full
   * so the run stands alone, with when it was stored and its age then.
   */
  | {
      kind: 'http-cached';
      key: string;
      at: string;
      replayed?: true;
      storedAt?: string;
      ageSeconds?: number;
      status: number;
      headers: Record<string, string>;
      body: string;
      stream: boolean;
    };

export interface WireLog {
  append(entry: WireEntry): void;
}
