import { UserError } from '../../util/errors.js';

/**
 * Compiles a tokenizer's pre-tokenization regex, written for Python's `regex` module or Rust's
 * `fancy-regex` (as tiktoken, tekken and llama.cpp publish them), into a global JavaScript RegExp.
 *
 * Rewrites, all meaning-preserving for the split patterns in use:
 * - possessive quantifiers (`?+`, `++`, `*+`, `}+`) become greedy: every published split pattern
 *   is written so that backtracking into them cannot produce a different match;
 * - scoped case-insensitive groups `(?i:'s|'t)` become `(?:'[sS]|'[tT])` (no inline modifiers in Node 20);
 * - script names used bare (`\p{Han}`) become `\p{Script=Han}`;
 * - class intersections (`[\p{L}\p{M}&&[^\p{Han}]]`) become `v`-flag set syntax.
 * A pattern already in JavaScript syntax passes through unchanged.
 */
export function compileSplitPattern(pattern: string, what = 'split pattern'): RegExp {
  const setMode = /\[[^\]]*&&/.test(pattern);
  const source = rewrite(pattern, setMode);
  try {
    return new RegExp(source, setMode ? 'gv' : 'gu');
  } catch (error) {
    throw new UserError(
      `${what} does not compile as a regular expression (${(error as Error).message}); fix the pattern in the manifest or tokenizer file`,
      {
        cause: error,
      },
    );
  }
}

/** Splits text into the pieces the pattern matches; text between matches is dropped, as every BPE pre-tokenizer does. */
export function splitPieces(regex: RegExp, text: string): string[] {
  const pieces: string[] = [];
  regex.lastIndex = 0;
  for (const match of text.matchAll(regex)) if (match[0]) pieces.push(match[0]);
  return pieces;
}

const SET_SYNTAX = new Set(['(', ')', '{', '}', '/', '|']);

function rewrite(pattern: string, setMode: boolean): string {
  let out = '';
  let classDepth = 0;
  let classStart = -1;
  const groups: boolean[] = [];
  const caseless = () => groups.includes(true);
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '\\') {
      const property = /^\\([pP])\{([^}]*)\}/.exec(pattern.slice(i));
      if (property) {
        out += `\\${property[1]}{${propertyName(property[2])}}`;
        i += property[0].length;
      } else {
        out += pattern.slice(i, i + 2);
        i += 2;
      }
      continue;
    }
    if (classDepth > 0) {
      if (ch === '[') {
        classDepth++;
        out += ch;
      } else if (ch === ']') {
        classDepth--;
        out += ch;
      } else if (ch === '&' && pattern[i + 1] === '&' && classDepth === 1) {
        // Python's `[A B&&C]` intersects the union A B with C; JavaScript's v-flag needs `[[A B]&&C]`.
        const negated = out[classStart + 1] === '^';
        const head = out.slice(0, classStart + (negated ? 2 : 1));
        const union = out.slice(classStart + (negated ? 2 : 1));
        out = `${head}[${union}]&&`;
        i += 2;
        continue;
      } else if (caseless() && /[a-zA-Z]/.test(ch)) {
        out += ch.toLowerCase() + ch.toUpperCase();
      } else if (setMode && SET_SYNTAX.has(ch)) {
        out += `\\${ch}`;
      } else {
        out += ch;
      }
      i++;
      continue;
    }
    if (ch === '[') {
      classDepth = 1;
      classStart = out.length;
      out += ch;
      i++;
      continue;
    }
    if (ch === '(') {
      if (pattern.startsWith('(?i:', i)) {
        groups.push(true);
        out += '(?:';
        i += 4;
      } else {
        groups.push(false);
        const prefix = /^\(\?(?:[:=!]|<[=!]|<[A-Za-z_]\w*>)/.exec(pattern.slice(i));
        out += prefix ? prefix[0] : '(';
        i += prefix ? prefix[0].length : 1;
      }
      continue;
    }
    if (ch === ')') {
      groups.pop();
      out += ch;
      i++;
      continue;
    }
    if (ch === '?' || ch === '*' || ch === '+' || ch === '}') {
      out += ch;
      i++;
      if (pattern[i] === '+') i++;
      continue;
    }
    if (caseless() && /[a-zA-Z]/.test(ch)) {
      out += `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

function propertyName(name: string): string {
  if (name.includes('=')) return name;
  try {
    new RegExp(`\\p{${name}}`, 'u');
    return name;
  } catch {
    return `Script=${name}`;
  }
}
