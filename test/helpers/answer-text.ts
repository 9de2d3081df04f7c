import type { Tokenizer } from '../../src/references/tokenizer.js';
import { REPEAT_INSTRUCTION } from '../../src/scoring/channels/repeat-cut.js';

/**
 * What a loopback model says and how a server hands it out: the answer in the model's own tokens, cut at the
 * output cap, with its text streamed by incremental detokenization (each event carries the whole characters
 * the tokens so far add, as vLLM, TGI and the hosted APIs do, so a character split across tokens is never sent
 * in halves).
 */
export interface ModelAnswer {
  ids: number[];
  /** The whole answer's text. */
  text: string;
  /** The answer was cut at the output cap rather than ended. */
  cut: boolean;
  /** A SentencePiece word-initial space before the text, which a server does not send. */
  dropsSpace: boolean;
}

/** An instruction-following model: a repeat request is said back; any other message is answered with a stretch of itself. */
export function instructedReply(user: string): string {
  if (user.startsWith(REPEAT_INSTRUCTION)) return user.slice(REPEAT_INSTRUCTION.length);
  const from = user.indexOf(' ', Math.floor(user.length / 3));
  return from < 0 ? user : user.slice(from + 1);
}

export function modelAnswer(tokenizer: Tokenizer, said: string, maxTokens: number): ModelAnswer {
  const all = tokenizer.encode(said);
  const ids = all.slice(0, Math.max(0, maxTokens));
  const dropsSpace = !said.startsWith(' ');
  return { ids, text: wholeText(tokenizer, ids, dropsSpace), cut: all.length > ids.length, dropsSpace };
}

/** The texts of `perEvent` tokens at a time, by incremental detokenization; their concatenation is the answer's text. */
export function eventTexts(tokenizer: Tokenizer, answer: ModelAnswer, perEvent: number): string[] {
  const { ids } = answer;
  const texts: string[] = [];
  let sent = '';
  for (let end = perEvent; end < ids.length + perEvent; end += perEvent) {
    const now = wholeText(tokenizer, ids.slice(0, Math.min(end, ids.length)), answer.dropsSpace);
    texts.push(now.slice(sent.length));
    sent = now;
  }
  return texts;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** The tokens' text without a last character they leave incomplete. */
function wholeText(tokenizer: Tokenizer, ids: readonly number[], dropsSpace: boolean): string {
  const bytes = Buffer.concat(ids.map((id) => Buffer.from(tokenizer.tokenBytes(id) ?? new Uint8Array())));
  for (let end = bytes.length; end >= Math.max(0, bytes.length - 3); end--) {
    try {
      const text = strict.decode(bytes.subarray(0, end));
      return dropsSpace ? text.replace(/^ /, '') : text;
    } catch {
      // the last character is incomplete
    }
  }
  return '';
}
