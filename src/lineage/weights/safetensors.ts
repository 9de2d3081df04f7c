import { UserError } from '../../util/errors.js';
import type { ByteSource } from './byte-source.js';
import type { WeightType } from './dequantize.js';
import type { TensorHandle } from './tensor.js';

/** Most bytes a safetensors JSON header may take (the format's own reader caps it at 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;
const DTYPES: Record<string, { type: WeightType; bytes: number }> = {
  F32: { type: 'F32', bytes: 4 },
  F16: { type: 'F16', bytes: 2 },
  BF16: { type: 'BF16', bytes: 2 },
};

interface HeaderEntry {
  dtype?: unknown;
  shape?: unknown;
  data_offsets?: unknown;
}

/**
 * The tensors of one safetensors file: an 8-byte little-endian header length, a JSON header (dtype, shape,
 * data_offsets per tensor), then the data. Only the header is read here. Tensors of other dtypes (integer,
 * 8-bit float) are listed as unreadable rather than refused, since a fingerprint needs only a few tensors.
 */
export async function readSafetensorsHeader(source: ByteSource): Promise<Map<string, TensorHandle | string>> {
  const bad = (why: string) => new UserError(`${source.name} is not a readable safetensors file: ${why}`);
  if (source.size < 8) throw bad(`it has ${source.size} bytes, fewer than the 8 of its header length`);
  const lengthBytes = await source.read(0, 8);
  const headerLength = Number(new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES)
    throw bad(`its header claims ${headerLength} bytes (at most ${MAX_HEADER_BYTES})`);
  if (8 + headerLength > source.size)
    throw new UserError(
      `${source.name} is truncated: its header claims ${headerLength} bytes, the file has ${source.size}; download it again`,
    );
  let header: Record<string, HeaderEntry>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(8, headerLength)));
  } catch {
    throw bad('its header is not JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw bad('its header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataSize = source.size - dataStart;
  const tensors = new Map<string, TensorHandle | string>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry ?? {};
    if (typeof dtype !== 'string' || !Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2)
      throw bad(`tensor "${name}" lacks dtype, shape or data_offsets`);
    if (
      !shape.every((n) => Number.isSafeInteger(n) && n >= 0) ||
      !offsets.every((n) => Number.isSafeInteger(n) && n >= 0)
    )
      throw bad(`tensor "${name}" has a shape or data_offsets that are not whole numbers`);
    const [begin, end] = offsets as number[];
    const known = DTYPES[dtype];
    if (!known) {
      tensors.set(name, `dtype ${dtype} is not read`);
      continue;
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * known.bytes)
      throw bad(`tensor "${name}" spans ${end - begin} bytes, its shape and dtype need ${count * known.bytes}`);
    if (end > dataSize)
      throw new UserError(
        `${source.name} is truncated: tensor "${name}" ends at byte ${dataStart + end}, the file has ${source.size}; download it again`,
      );
    const cols = shape.length ? (shape[shape.length - 1] as number) : 1;
    tensors.set(name, {
      name,
      type: known.type,
      rows: cols ? count / cols : 0,
      cols,
      source,
      offset: dataStart + begin,
    });
  }
  return tensors;
}

/** model.safetensors.index.json: which shard holds each tensor. */
export function parseShardIndex(bytes: Uint8Array, name: string): Map<string, string> {
  let json: { weight_map?: unknown };
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new UserError(`${name} is not JSON`);
  }
  const map = json?.weight_map;
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw new UserError(`${name} has no weight_map object`);
  const out = new Map<string, string>();
  for (const [tensor, file] of Object.entries(map)) {
    if (typeof file !== 'string' || !/^[\w.-]+\.safetensors$/.test(file))
      throw new UserError(
        `${name}: tensor "${tensor}" maps to ${JSON.stringify(file)}, not a .safetensors file beside it`,
      );
    out.set(tensor, file);
  }
  return out;
}
