/** The header of a safetensors file: the 8-byte length, then the JSON header padded with spaces to 8 bytes. */
export interface SafetensorsEntry {
  name: string;
  dtype: 'F32' | 'F16' | 'BF16';
  shape: readonly number[];
}

const BYTES = { F32: 4, F16: 2, BF16: 2 } as const;

/** Header bytes and each tensor's data offset (from the start of the file) for tensors laid out in order. */
export function safetensorsHeader(entries: readonly SafetensorsEntry[]): {
  header: Uint8Array;
  offsets: number[];
  size: number;
} {
  const json: Record<string, unknown> = {};
  const starts: number[] = [];
  let at = 0;
  for (const entry of entries) {
    const bytes = entry.shape.reduce((a, b) => a * b, 1) * BYTES[entry.dtype];
    json[entry.name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [at, at + bytes] };
    starts.push(at);
    at += bytes;
  }
  let text = JSON.stringify(json);
  text += ' '.repeat((8 - ((text.length + 8) % 8)) % 8);
  const body = new TextEncoder().encode(text);
  const header = new Uint8Array(8 + body.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(body.length), true);
  header.set(body, 8);
  return { header, offsets: starts.map((s) => header.length + s), size: header.length + at };
}
