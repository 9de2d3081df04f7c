import { createParser } from 'eventsource-parser';

/**
 * How much of an answer is read before the connection is dropped: an honest count or chat answer is a few
 * kilobytes, so these only stop a broken or hostile server from costing memory, disk and a wrong verdict.
 */
export const ANSWER_LIMIT_DEFAULTS = {
  /** Bytes of one response body (`--max-response-bytes`). */
  maxResponseBytes: 8 * 1024 * 1024,
  /** Events of one streamed answer (`--max-stream-events`). */
  maxStreamEvents: 20_000,
};

/** How much of a body cut at a cap the transcript keeps, to show what came without storing all of it. */
export const KEPT_PREFIX_BYTES = 64 * 1024;

export interface AnswerLimits {
  maxBytes: number;
  /** For a streamed answer: the most events read. */
  maxEvents?: number;
  /** Why `maxEvents` is what it is, for the message when it is passed. */
  eventsReason?: string;
}

/**
 * Stream events allowed for an answer of at most `maxOutputTokens` tokens: an honest server sends about one
 * event per token plus a few for the start, the end and its usage; far more is a protocol violation.
 */
export function streamEventLimit(
  maxStreamEvents: number,
  maxOutputTokens: number | undefined,
): { maxEvents: number; eventsReason: string } {
  const derived = maxOutputTokens === undefined ? Infinity : 16 * maxOutputTokens + 64;
  return derived < maxStreamEvents
    ? { maxEvents: derived, eventsReason: `far more than max_tokens ${maxOutputTokens} allows: a protocol violation` }
    : { maxEvents: maxStreamEvents, eventsReason: 'the stream event cap (raise it with --max-stream-events)' };
}

/** Counts server-sent events as the body arrives, so a stream can be cut at its cap before it is all read. */
export function sseEventCounter(): { feed(text: string): number } {
  let count = 0;
  const parser = createParser({ onEvent: () => count++ });
  return {
    feed(text) {
      parser.feed(text);
      return count;
    },
  };
}

/** The first `bytes` bytes of a text, cut at a character boundary. */
export function textPrefix(text: string, bytes: number): string {
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length <= bytes) return text;
  return new TextDecoder().decode(encoded.subarray(0, bytes)).replace(/\uFFFD$/, '');
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : bytes >= 1024 && bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`;
}
