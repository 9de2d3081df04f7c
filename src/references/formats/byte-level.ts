/**
 * GPT-2's byte-to-unicode table: byte-level BPE vocabularies store each byte as one printable character.
 * Returns a function that maps a stored token back to its bytes (undefined if a character is outside the table).
 */
export function byteLevelDecoder(): (token: string) => Uint8Array | undefined {
  const charToByte = new Map<string, number>();
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const isPrintable = new Set(printable);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (isPrintable.has(b)) charToByte.set(String.fromCharCode(b), b);
    else charToByte.set(String.fromCharCode(256 + next++), b);
  }
  return (token) => {
    const bytes = new Uint8Array(token.length);
    let i = 0;
    for (const ch of token) {
      const b = charToByte.get(ch);
      if (b === undefined) return undefined;
      bytes[i++] = b;
    }
    return bytes.subarray(0, i);
  };
}

/** The inverse of byteLevelDecoder: renders raw bytes in GPT-2's byte-level alphabet, as tokenizer.json stores them. */
export function byteLevelEncoder(): (bytes: Uint8Array) => string {
  const byteToChar: string[] = [];
  let next = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    byteToChar[b] = printable ? String.fromCharCode(b) : String.fromCharCode(256 + next++);
  }
  return (bytes) => {
    let out = '';
    for (const b of bytes) out += byteToChar[b];
    return out;
  };
}
