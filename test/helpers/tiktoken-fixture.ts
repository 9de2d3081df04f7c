/** A small but complete tiktoken rank file: all 256 single bytes, then the given merged tokens. */
export function tiktokenRanks(
  merged: string[] = ['he', 'll', 'hell', 'hello', ' w', 'or', ' wor', ' world'],
): Uint8Array {
  const lines: string[] = [];
  for (let b = 0; b < 256; b++) lines.push(`${Buffer.from([b]).toString('base64')} ${b}`);
  merged.forEach((token, i) => lines.push(`${Buffer.from(token, 'utf8').toString('base64')} ${256 + i}`));
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}
