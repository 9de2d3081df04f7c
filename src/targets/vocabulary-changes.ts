import { createTokenizer } from '../references/formats/index.js';
import { withPreTokenizerSplit, type PreTokenizerSplit } from '../references/formats/pre-tokenizer-split.js';
import type { Tokenizer, TokenizerFiles } from '../references/tokenizer.js';
import { UserError } from '../util/errors.js';
import type { JsonObject } from '../util/parsed-json.js';

/** A change a product team might make to a base tokenizer before training on top of it. */
export type VocabularyChange =
  /** Add BPE tokens (with the merges that build them) for words the base splits, taken from a donor's vocabulary. */
  | { kind: 'add-tokens'; count: number; donor: Tokenizer; donorId: string }
  /** Remove the lowest-priority merges, making the rarest tokens unreachable. */
  | { kind: 'drop-merges'; count: number }
  /** Put a pre-tokenizer in front of the base's: single digits, or isolated punctuation. */
  | { kind: 'pre-tokenizer'; split: 'digits' | 'punctuation' };

type Json = JsonObject;

const ONE_WORD = /^ ?[\p{L}\p{M}]{2,}$/u;

/** Applies changes to a Hugging Face tokenizer.json and loads the result as a tokenizer. */
export function applyVocabularyChanges(
  files: TokenizerFiles,
  base: Tokenizer,
  changes: readonly VocabularyChange[],
): Tokenizer {
  const json: Json = JSON.parse(new TextDecoder().decode(files.main));
  if (json.model?.type !== 'BPE' || !Array.isArray(json.model.merges)) {
    throw new UserError('vocabulary changes need a BPE tokenizer.json reference');
  }
  for (const change of changes) {
    if (change.kind === 'add-tokens') addTokens(json, base, change.donor, change.count);
    else if (change.kind === 'drop-merges') dropMerges(json, change.count);
    else changePreTokenizer(json, change.split);
  }
  return createTokenizer('hf-json', { ...files, main: new TextEncoder().encode(JSON.stringify(json)) });
}

/**
 * Removes the last merges and the vocabulary entries only they build, as a vocabulary is shrunk: with
 * `ignore_merges` (Llama 3) a word still in the vocabulary would otherwise match whole without them.
 */
function dropMerges(json: Json, count: number): void {
  const merges: (string | [string, string])[] = json.model.merges;
  const dropped = merges.splice(Math.max(0, merges.length - count));
  const parts = (m: string | [string, string]) => {
    if (typeof m !== 'string') return m;
    const space = m.indexOf(' ', 1);
    return [m.slice(0, space), m.slice(space + 1)];
  };
  const stillBuilt = new Set(merges.map((m) => parts(m).join('')));
  // a kept merge may read a token that only a dropped merge built: it stays, or the file names a token it lacks
  const stillRead = new Set(merges.flatMap((m) => parts(m)));
  const protectedTokens = new Set([...((json.added_tokens ?? []) as Json[]).map((t) => t.content), ...stillRead]);
  for (const merge of dropped) {
    const token = parts(merge).join('');
    if (!stillBuilt.has(token) && !protectedTokens.has(token)) delete json.model.vocab[token];
  }
}

/** Any letter the word can follow in running text; what the base makes of it alone is cut off again. */
const LEAD = 'a';

/**
 * The base's pieces of a word as it reads inside running text. Alone, a SentencePiece vocabulary that
 * prepends "▁" reads " produc" as "▁", "▁produ", "c", and a merge built from those never fires in text,
 * where the word reads "▁produ", "c" after the word before it.
 */
function piecesInText(base: Tokenizer, text: string): string[] {
  const lead = base.encode(LEAD);
  const ids = base.encode(LEAD + text);
  const inText = lead.every((id, i) => ids[i] === id) ? ids.slice(lead.length) : base.encode(text);
  return inText.map((t) => base.tokenString(t) ?? '');
}

function addTokens(json: Json, base: Tokenizer, donor: Tokenizer, count: number): void {
  const vocab: Record<string, number> = json.model.vocab;
  const merges: (string | [string, string])[] = json.model.merges;
  const asString = typeof merges[0] === 'string';
  const knownMerges = new Set(merges.map((m) => (typeof m === 'string' ? m : `${m[0]} ${m[1]}`)));
  let nextId = Math.max(base.vocabSize, ...((json.added_tokens ?? []) as Json[]).map((t) => t.id + 1));
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const seen = new Set<string>();
  let added = 0;
  // Donor ids in order: in a BPE vocabulary earlier ids are the more frequent strings.
  for (let id = 0; id < donor.vocabSize && added < count; id++) {
    const bytes = donor.tokenBytes(id);
    if (!bytes) continue;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      continue;
    }
    if (!ONE_WORD.test(text) || seen.has(text)) continue;
    seen.add(text);
    const pieces = piecesInText(base, text);
    if (pieces.length < 2 || pieces.some((p) => !p || /^<0x[0-9A-F]{2}>$/i.test(p) || p.includes(' '))) continue;
    // pieces an earlier change removed (dropped merges) cannot be merged again
    if (pieces.some((p) => !Object.hasOwn(vocab, p))) continue;
    let current = pieces[0];
    for (const piece of pieces.slice(1)) {
      const key = `${current} ${piece}`;
      if (!knownMerges.has(key)) {
        knownMerges.add(key);
        merges.push(asString ? key : [current, piece]);
      }
      current += piece;
      // own keys only: a token such as "hasOwnProperty" must not be taken for one already there
      if (!Object.hasOwn(vocab, current)) vocab[current] = nextId++;
    }
    added++;
  }
}

function changePreTokenizer(json: Json, split: PreTokenizerSplit): void {
  json.pre_tokenizer = withPreTokenizerSplit(json.pre_tokenizer, split);
}
