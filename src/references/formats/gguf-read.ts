import { UserError } from '../../util/errors.js';

export type GgufValue = number | bigint | boolean | string | GgufValue[];

const MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32

/** Thrown while parsing a prefix of a longer file: the metadata goes on past the bytes at hand. */
class NeedsMoreBytes extends Error {
  constructor(readonly needed: number) {
    super(`the GGUF metadata needs at least ${needed} bytes`);
  }
}

/**
 * Reads the metadata key/values of a GGUF file held in memory, synchronously (tokenizer loaders are synchronous;
 * @huggingface/gguf's parser only reads through an async fetch). Tensor infos and data are not read.
 * 64-bit integers become numbers when they fit.
 */
export function readGgufMetadata(bytes: Uint8Array, what = 'GGUF file'): Map<string, GgufValue> {
  return parseGguf(bytes, what, false).metadata;
}

/** `prefix`: the bytes are the start of a longer file, so running out means "read more", not "truncated". */
function parseGguf(
  bytes: Uint8Array,
  what: string,
  prefix: boolean,
): { metadata: Map<string, GgufValue>; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // ignoreBOM: a token that starts with U+FEFF keeps it (the default decoder drops it, merging such tokens with others)
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  let offset = 0;
  let reading = 'header';

  const need = (n: number) => {
    if (offset + n > bytes.length) {
      if (prefix) throw new NeedsMoreBytes(offset + n);
      throw new UserError(
        `${what} is truncated (${bytes.length} bytes, ended while reading ${reading}); download it again`,
      );
    }
  };
  if (bytes.length < 4 || view.getUint32(0, true) !== MAGIC) {
    throw new UserError(
      `${what} does not start with the GGUF magic bytes; it is not a GGUF model file (expected a .gguf file)`,
    );
  }
  need(8);
  let little = true;
  let version = view.getUint32(4, true);
  if ((version & 0xffff) === 0) {
    little = false;
    version = view.getUint32(4, false);
  }
  if (version < 1 || version > 3)
    throw new UserError(
      `${what} has GGUF version ${version}; only versions 1 to 3 are known: convert it with a current llama.cpp`,
    );
  offset = 8;

  const u32 = () => (need(4), (offset += 4), view.getUint32(offset - 4, little));
  const u64 = (): number => {
    need(8);
    offset += 8;
    const value = view.getBigUint64(offset - 8, little);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new UserError(`${what} declares a size of ${value} while reading ${reading}; the file is corrupt`);
    return Number(value);
  };
  const size = version === 1 ? u32 : u64;
  const string = (): string => {
    const length = size();
    need(length);
    offset += length;
    return decoder.decode(bytes.subarray(offset - length, offset));
  };
  const value = (type: number): GgufValue => {
    switch (type) {
      case 0:
        return (need(1), view.getUint8(offset++));
      case 1:
        return (need(1), view.getInt8(offset++));
      case 2:
        return (need(2), (offset += 2), view.getUint16(offset - 2, little));
      case 3:
        return (need(2), (offset += 2), view.getInt16(offset - 2, little));
      case 4:
        return u32();
      case 5:
        return (need(4), (offset += 4), view.getInt32(offset - 4, little));
      case 6:
        return (need(4), (offset += 4), view.getFloat32(offset - 4, little));
      case 7:
        return (need(1), view.getUint8(offset++) !== 0);
      case 8:
        return string();
      case 9: {
        const itemType = u32();
        const count = size();
        if (itemType === 9)
          throw new UserError(
            `${what} has nested arrays in ${reading}, which no tokenizer key uses; the file is corrupt`,
          );
        const items: GgufValue[] = new Array(count);
        for (let i = 0; i < count; i++) items[i] = value(itemType);
        return items;
      }
      case 10:
      case 11: {
        need(8);
        offset += 8;
        const big = type === 10 ? view.getBigUint64(offset - 8, little) : view.getBigInt64(offset - 8, little);
        return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
      }
      case 12:
        return (need(8), (offset += 8), view.getFloat64(offset - 8, little));
      default:
        throw new UserError(
          `${what} has an unknown value type ${type} in ${reading}; the file is corrupt or from a newer GGUF version`,
        );
    }
  };

  reading = 'the tensor count';
  size();
  reading = 'the key count';
  const kvCount = size();
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    reading = `metadata key ${i + 1} of ${kvCount}`;
    const key = string();
    reading = `metadata "${key}"`;
    metadata.set(key, value(u32()));
  }
  return { metadata, end: offset };
}

/** Most bytes read for a GGUF file's metadata header (the tokenizer lives there; tensors are never read). */
export const MAX_GGUF_HEADER_BYTES = 2 ** 30;
const FIRST_READ = 16 * 2 ** 20;

/**
 * The metadata header of a GGUF file of `size` bytes, read from its start in growing steps through `readAt`, so
 * a model of many gigabytes costs only its header. When the header does not parse, the bytes read so far are
 * returned and the loader, parsing the same bytes, reports why in one line.
 */
export function readGgufHeader(
  readAt: (position: number, length: number) => Uint8Array,
  size: number,
  what: string,
): Uint8Array {
  let bytes = readAt(0, Math.min(size, FIRST_READ));
  for (;;) {
    try {
      return bytes.subarray(0, parseGguf(bytes, what, bytes.length < size).end);
    } catch (error) {
      // a header that does not parse, or claims more bytes than the file has, is the loader's to report
      if (!(error instanceof NeedsMoreBytes) || error.needed > size) return bytes;
      if (bytes.length >= MAX_GGUF_HEADER_BYTES || error.needed > MAX_GGUF_HEADER_BYTES) {
        throw new UserError(
          `${what}: its metadata header is larger than ${MAX_GGUF_HEADER_BYTES / 2 ** 30} GiB, the most tokprint reads; the file is corrupt or not a model file`,
        );
      }
      const length = Math.min(size, MAX_GGUF_HEADER_BYTES, Math.max(bytes.length * 2, error.needed));
      const more = readAt(bytes.length, length - bytes.length);
      if (!more.length) return bytes;
      const grown = new Uint8Array(bytes.length + more.length);
      grown.set(bytes);
      grown.set(more, bytes.length);
      bytes = grown;
    }
  }
}
