import { UserError } from '../../util/errors.js';
import type { JsonObject } from '../../util/parsed-json.js';

type Json = JsonObject;

/** Model types @huggingface/tokenizers implements; an absent type is inferred from the model's fields. */
const MODEL_TYPES = ['BPE', 'Unigram', 'WordPiece'];
/**
 * Ids at or past this are refused: the largest vocabularies known hold about 262,000 tokens, and every id up to
 * the largest costs memory. Holes below it are allowed (cl100k skips 16 ids before its special tokens).
 */
export const MAX_TOKEN_ID = 2 ** 22;

function shown(token: string): string {
  return JSON.stringify(token.length > 40 ? `${token.slice(0, 40)}…` : token);
}

/** Refuses, in one line, any id that is no whole number in [0, MAX_TOKEN_ID). */
function checkId(id: unknown, where: string, what: string): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= MAX_TOKEN_ID) {
    throw new UserError(
      `${what}: ${where} has id ${JSON.stringify(id)}, out of range (whole numbers from 0 to ${MAX_TOKEN_ID - 1})`,
    );
  }
  return id;
}

function mergeParts(merge: unknown, rank: number, what: string): [string, string] {
  if (typeof merge === 'string') {
    // the older string form cannot hold a space inside a part, so the first space (after the first character) separates
    const space = merge.indexOf(' ', 1);
    if (space > 0) return [merge.slice(0, space), merge.slice(space + 1)];
  } else if (
    Array.isArray(merge) &&
    merge.length === 2 &&
    typeof merge[0] === 'string' &&
    typeof merge[1] === 'string'
  ) {
    return [merge[0], merge[1]];
  }
  throw new UserError(
    `${what}: merge ${rank + 1} is not two tokens (got ${JSON.stringify(merge)?.slice(0, 60)}); the file is damaged`,
  );
}

/**
 * Checks what @huggingface/tokenizers takes on trust and tokprint relies on: a known model type, a non-empty
 * vocabulary, one id per token and one token per id, ids in range, added tokens that agree with the vocabulary,
 * and merges whose parts and results are all tokens. Every problem is one line naming the first offender.
 */
export function checkHfTokenizerJson(json: Json, what: string): void {
  const model = json.model as Json;
  if (model.type !== undefined && !MODEL_TYPES.includes(model.type)) {
    throw new UserError(
      `${what}: model.type ${JSON.stringify(model.type)} is not one tokprint reads (${MODEL_TYPES.join(', ')})`,
    );
  }
  if (Array.isArray(model.vocab) && (model.type === 'BPE' || model.type === 'WordPiece')) {
    throw new UserError(
      `${what}: model.vocab of a ${model.type} model must map tokens to ids, not list [token, score] pairs`,
    );
  }
  const tokenAt = new Map<number, string>();
  const tokens = new Set<string>();
  const vocab = model.vocab;
  if (Array.isArray(vocab)) {
    // Unigram: [token, score] pairs, the id being the position
    const seen = new Map<string, number>();
    vocab.forEach((pair: unknown, id: number) => {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'number') {
        throw new UserError(`${what}: model.vocab entry ${id} is not a [token, score] pair; the file is damaged`);
      }
      const earlier = seen.get(pair[0]);
      if (earlier !== undefined)
        throw new UserError(`${what}: token ${shown(pair[0])} appears twice in model.vocab (ids ${earlier} and ${id})`);
      seen.set(pair[0], id);
      tokenAt.set(checkId(id, `token ${shown(pair[0])}`, what), pair[0]);
    });
  } else if (vocab && typeof vocab === 'object') {
    for (const [token, id] of Object.entries(vocab as Record<string, unknown>)) {
      const checked = checkId(id, `token ${shown(token)}`, what);
      const other = tokenAt.get(checked);
      if (other !== undefined)
        throw new UserError(
          `${what}: id ${checked} is given to two tokens in model.vocab (${shown(other)} and ${shown(token)})`,
        );
      tokenAt.set(checked, token);
      tokens.add(token);
    }
  } else {
    throw new UserError(`${what}: model.vocab is neither a token-to-id map nor a list of [token, score] pairs`);
  }
  if (tokenAt.size === 0) throw new UserError(`${what}: model.vocab is empty; a tokenizer needs tokens`);

  const added = json.added_tokens ?? [];
  if (!Array.isArray(added)) throw new UserError(`${what}: added_tokens is not a list`);
  const addedByContent = new Map<string, number>();
  for (const [n, token] of (added as unknown[]).entries()) {
    const t = token as Json;
    if (!t || typeof t !== 'object' || typeof t.content !== 'string') {
      throw new UserError(`${what}: added_tokens entry ${n + 1} has no content; the file is damaged`);
    }
    const id = checkId(t.id, `added token ${shown(t.content)}`, what);
    const earlier = addedByContent.get(t.content);
    if (earlier !== undefined && earlier !== id)
      throw new UserError(`${what}: added token ${shown(t.content)} appears twice (ids ${earlier} and ${id})`);
    addedByContent.set(t.content, id);
    const other = tokenAt.get(id);
    if (other !== undefined && other !== t.content) {
      throw new UserError(
        `${what}: id ${id} is given to two tokens (${shown(other)} and the added token ${shown(t.content)})`,
      );
    }
    tokenAt.set(id, t.content);
  }

  const merges = model.merges;
  if (merges === undefined || Array.isArray(vocab)) return;
  if (!Array.isArray(merges)) throw new UserError(`${what}: model.merges is not a list`);
  const prefix = typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '';
  merges.forEach((merge: unknown, rank: number) => {
    const [left, right] = mergeParts(merge, rank, what);
    const result = left + (prefix && right.startsWith(prefix) ? right.slice(prefix.length) : right);
    if (tokens.has(left) && tokens.has(right) && tokens.has(result)) return;
    const missing = [left, right, result].find((token) => !tokens.has(token))!;
    throw new UserError(
      `${what}: merge ${rank + 1} (${shown(left)} + ${shown(right)}) names ${shown(missing)}, which is not in model.vocab; the file is damaged`,
    );
  });
}
