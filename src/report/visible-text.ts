const MARKS: Record<string, string> = { ' ': '␣', '\n': '↵', '\r': '␍', '\t': '⇥' };

/**
 * Probe text with whitespace and invisible characters made visible, so a reader sees what was sent:
 * spaces and line breaks as symbols, controls, zero-width and direction marks as `\u{…}`.
 */
export function visibleText(text: string): string {
  let out = '';
  for (const ch of text) {
    const mark = MARKS[ch];
    if (mark) out += mark;
    else if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u3000\u00a0]/u.test(ch))
      out += `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`;
    else out += ch;
  }
  return out;
}

/** Controls (other than line breaks and tabs) and format characters such as direction overrides, as `\u{…}`; they could hide or reorder text. */
export function revealInvisible(text: string): string {
  return text.replace(
    /(?![\n\r\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu,
    (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`,
  );
}
