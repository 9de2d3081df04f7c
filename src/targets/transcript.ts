import { appendFileSync } from 'node:fs';
import type { Target, TargetRequest, TargetResponse } from './target.js';

export type TranscriptEntry =
  | { kind: 'request'; seq: number; at: string; target: string; request: TargetRequest }
  | {
      kind: 'response';
      seq: number;
      at: string;
      target: string;
      latencyMs: number;
      usage: TargetResponse['usage'];
      raw: TargetResponse['raw'];
    }
  | { kind: 'error'; seq: number; at: string; target: string; message: string };

export interface Transcript {
  append(entry: TranscriptEntry): void;
}

/** An append-only JSONL file, written synchronously so each line is on disk before the caller goes on. */
export function jsonlTranscript(path: string): Transcript {
  return { append: (entry) => appendFileSync(path, `${JSON.stringify(entry)}\n`) };
}

export function memoryTranscript(): Transcript & { entries: TranscriptEntry[] } {
  const entries: TranscriptEntry[] = [];
  return { entries, append: (entry) => entries.push(entry) };
}

/** Wraps a target so every request is recorded before it is sent, and every answer before it is used. */
export function recordedTarget(target: Target, transcript: Transcript, now: () => Date = () => new Date()): Target {
  let seq = 0;
  return {
    id: target.id,
    description: target.description,
    get offers() {
      return target.offers;
    },
    async send(request) {
      const n = ++seq;
      transcript.append({ kind: 'request', seq: n, at: now().toISOString(), target: target.id, request });
      let response: TargetResponse;
      try {
        response = await target.send(request);
      } catch (error) {
        transcript.append({
          kind: 'error',
          seq: n,
          at: now().toISOString(),
          target: target.id,
          message: (error as Error).message,
        });
        throw error;
      }
      transcript.append({
        kind: 'response',
        seq: n,
        at: now().toISOString(),
        target: target.id,
        latencyMs: response.latencyMs,
        usage: response.usage,
        raw: response.raw,
      });
      return response;
    },
  };
}
