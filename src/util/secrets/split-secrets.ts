import { REDACTED } from './redact.js';

interface Piece {
  holder: Record<string | number, unknown>;
  slot: string | number;
  text: string;
}

/** Every string of a JSON-like value (object keys left out), grouped by its path with array indices folded: `choices.*.delta.content`. */
function piecesByPath(value: unknown, path: string, groups: Map<string, Piece[]>): void {
  if (!value || typeof value !== 'object') return;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [slot, child] of entries) {
    const childPath = `${path}.${typeof slot === 'number' ? '*' : slot}`;
    if (typeof child === 'string') {
      const group = groups.get(childPath) ?? [];
      group.push({ holder: value as Record<string | number, unknown>, slot, text: child });
      groups.set(childPath, group);
    } else piecesByPath(child, childPath, groups);
  }
}

/**
 * Removes, in place, every match of `pattern` that runs across consecutive strings of one field (stream deltas,
 * logprob tokens, chunks): the first piece keeps `[redacted]` where the match began, the later pieces lose their part.
 * Returns whether anything was removed. Matches inside a single string are the caller's.
 */
export function redactSplit(value: unknown, pattern: RegExp): boolean {
  const groups = new Map<string, Piece[]>();
  piecesByPath(value, '', groups);
  let changed = false;
  for (const pieces of groups.values()) {
    if (pieces.length < 2) continue;
    const joined = pieces.map((p) => p.text).join('');
    const starts: number[] = [];
    let offset = 0;
    for (const piece of pieces) {
      starts.push(offset);
      offset += piece.text.length;
    }
    const pieceAt = (position: number) => {
      let i = starts.length - 1;
      while (starts[i] > position) i--;
      return i;
    };
    const spans = [...joined.matchAll(new RegExp(pattern.source, 'g'))]
      .map((m) => [m.index, m.index + m[0].length] as const)
      .filter(([from, to]) => pieceAt(from) !== pieceAt(to - 1));
    if (!spans.length) continue;
    changed = true;
    pieces.forEach((piece, i) => {
      let text = '';
      for (let at = starts[i]; at < starts[i] + piece.text.length; at++) {
        const span = spans.find(([from, to]) => at >= from && at < to);
        if (!span) text += joined[at];
        else if (at === span[0]) text += REDACTED;
      }
      piece.holder[piece.slot] = text;
    });
  }
  return changed;
}
