/** A piece of a split as a reader sees it: text, or bytes of a character split across tokens. */
export interface ShownPiece {
  text: string;
  /** The token pieces it stands for, as recorded (`<0xE0><0xA4>` for bytes that are not whole characters). */
  raw: string[];
  /** Made of byte pieces: the text is what the bytes decode to together. */
  bytes: boolean;
}

const BYTE_PIECE = /^(?:<0x[0-9A-Fa-f]{2}>)+$/;
const decoder = new TextDecoder('utf-8');

/**
 * Runs of byte pieces (tokens that hold part of a character) joined and decoded together, so a reader sees
 * the character (ह) rather than `<0xE0><0xA4>` `<0xB9>`; the pieces themselves stay at hand for a details view.
 */
export function shownPieces(tokens: readonly string[]): ShownPiece[] {
  const out: ShownPiece[] = [];
  let run: string[] = [];
  const flush = () => {
    if (!run.length) return;
    const bytes = Uint8Array.from(
      run
        .join('')
        .match(/[0-9A-Fa-f]{2}(?=>)/g)!
        .map((h) => Number.parseInt(h, 16)),
    );
    out.push({ text: decoder.decode(bytes), raw: run, bytes: true });
    run = [];
  };
  for (const token of tokens) {
    if (BYTE_PIECE.test(token)) run.push(token);
    else {
      flush();
      out.push({ text: token, raw: [token], bytes: false });
    }
  }
  flush();
  return out;
}
