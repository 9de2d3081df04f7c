import { distance } from 'fastest-levenshtein';
import type { Tokenizer } from '../../references/tokenizer.js';
import type { PromptTokens } from '../../targets/target.js';

const utf8 = new TextEncoder();

/**
 * Interior token boundaries of the reference's own encoding of `text`, as UTF-8 byte offsets at
 * character starts (a boundary inside a character cannot show in streamed text). Undefined when the
 * tokens do not spell the text (a normalizer changed it).
 */
export function referenceBoundaries(tokenizer: Tokenizer, text: string): Set<number> | undefined {
  const bytes = utf8.encode(text);
  const pieces = tokenizer.encode(text).map((id) => tokenizer.tokenBytes(id) ?? new Uint8Array());
  const total = pieces.reduce((sum, p) => sum + p.length, 0);
  // SentencePiece adds a space before the text, even one that starts with a space; its first token carries it.
  let shift = 0;
  if (total === bytes.length + 1 && pieces[0]?.[0] === 0x20) shift = 1;
  if (total - shift !== bytes.length) return undefined;
  const boundaries = new Set<number>();
  let offset = -shift;
  for (const piece of pieces.slice(0, -1)) {
    offset += piece.length;
    if (offset > 0 && offset < bytes.length && (bytes[offset] & 0xc0) !== 0x80) boundaries.add(offset);
  }
  return boundaries;
}

/** Interior chunk edges of a streamed answer, as UTF-8 byte offsets. */
export function chunkEdges(chunks: readonly string[]): Set<number> {
  const edges = new Set<number>();
  let offset = 0;
  for (const chunk of chunks.slice(0, -1)) {
    offset += utf8.encode(chunk).length;
    edges.add(offset);
  }
  const total = offset + utf8.encode(chunks.at(-1) ?? '').length;
  edges.delete(0);
  edges.delete(total);
  return edges;
}

function split(bytes: Uint8Array, cuts: Iterable<number>): string[] {
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: string[] = [];
  let start = 0;
  for (const cut of [...sorted, bytes.length]) {
    out.push(Buffer.from(bytes.subarray(start, cut)).toString('latin1'));
    start = cut;
  }
  return out;
}

/** Token sequences as strings of one code unit per distinct piece, so a string edit distance counts token edits. */
function asSymbols(sequences: string[][]): string[] {
  const code = new Map<string, string>();
  return sequences.map((seq) =>
    seq
      .map((piece) => {
        let symbol = code.get(piece);
        if (!symbol) {
          symbol = String.fromCharCode(0x100 + (code.size % 0xd000));
          code.set(piece, symbol);
        }
        return symbol;
      })
      .join(''),
  );
}

/** Where the prompt's tokens meet inside `content`, as byte offsets into it; undefined when the prompt does not hold it. */
export function boundariesWithin(prompt: PromptTokens, content: string): Set<number> | undefined {
  const text = utf8.encode(prompt.text);
  const start = Buffer.from(text).indexOf(Buffer.from(utf8.encode(content)));
  if (start < 0 || !content) return undefined;
  const end = start + utf8.encode(content).length;
  return new Set(prompt.boundaries.filter((b) => b > start && b < end).map((b) => b - start));
}

export interface ExactComparison {
  /** Token edits between the observed tokens and the reference's over the compared stretch. */
  editDistance: number;
  /** Observed tokens in that stretch. */
  tokens: number;
}

/**
 * Exact token boundaries (nothing batched, unlike chunk edges) against a reference's, compared between the
 * first and last observed boundary: the tokens at either end may have merged with text around the message
 * (a chat template's newline), which the reference, encoding the message alone, cannot know.
 */
export function compareExact(text: string, observed: Set<number>, reference: Set<number>): ExactComparison | undefined {
  const sorted = [...observed].sort((a, b) => a - b);
  if (sorted.length < 2) return undefined;
  const lo = sorted[0];
  const hi = sorted.at(-1)!;
  const inside = (cuts: Iterable<number>) => [...cuts].filter((c) => c > lo && c < hi).map((c) => c - lo);
  const bytes = utf8.encode(text).subarray(lo, hi);
  const [seen, ref] = asSymbols([split(bytes, inside(observed)), split(bytes, inside(reference))]);
  return { editDistance: distance(seen, ref), tokens: sorted.length - 1 };
}
