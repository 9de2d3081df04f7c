import { writeGgufHeader, type GgufEntry } from '../../src/references/formats/gguf-write.js';

/** One tensor: dims innermost first, as ggml orders them (a matrix `{n_embd, n_vocab}` has rows of n_embd). */
export interface GgufTensor {
  name: string;
  dims: readonly number[];
  type: 'f32' | 'f16';
  /** f32 values, converted on write when `type` is f16. */
  data: Float32Array;
}

const GGML_TYPE = { f32: 0, f16: 1 } as const;
const BYTES = { f32: 4, f16: 2 } as const;
/** llama.cpp's default, used when the file has no `general.alignment`. */
const ALIGNMENT = 32;

const pad = (n: number) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;

/**
 * A complete GGUF v3 file: the project's metadata header, then tensor infos, then the tensor data, each tensor
 * aligned. Only F32 and F16 are written, which is all a tiny random-weight model needs.
 */
export function writeGgufModel(metadata: Record<string, GgufEntry>, tensors: readonly GgufTensor[]): Uint8Array {
  const header = writeGgufHeader(metadata, tensors.length);
  const encoder = new TextEncoder();
  const names = tensors.map((t) => encoder.encode(t.name));
  const infoSize = tensors.reduce((sum, t, i) => sum + 8 + names[i].length + 4 + 8 * t.dims.length + 4 + 8, 0);
  const offsets: number[] = [];
  let dataSize = 0;
  for (const tensor of tensors) {
    const count = tensor.dims.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length)
      throw new Error(`tensor ${tensor.name}: dims hold ${count} values, data has ${tensor.data.length}`);
    offsets.push(dataSize);
    dataSize = pad(dataSize + count * BYTES[tensor.type]);
  }
  const dataStart = pad(header.length + infoSize);
  const out = new Uint8Array(dataStart + dataSize);
  const view = new DataView(out.buffer);
  out.set(header, 0);
  let at = header.length;
  tensors.forEach((tensor, i) => {
    view.setBigUint64(at, BigInt(names[i].length), true);
    out.set(names[i], at + 8);
    at += 8 + names[i].length;
    view.setUint32(at, tensor.dims.length, true);
    at += 4;
    for (const dim of tensor.dims) {
      view.setBigUint64(at, BigInt(dim), true);
      at += 8;
    }
    view.setUint32(at, GGML_TYPE[tensor.type], true);
    view.setBigUint64(at + 4, BigInt(offsets[i]), true);
    at += 12;
  });
  tensors.forEach((tensor, i) => {
    const start = dataStart + offsets[i];
    if (tensor.type === 'f32') {
      out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), start);
    } else {
      for (let j = 0; j < tensor.data.length; j++) view.setUint16(start + 2 * j, toHalf(tensor.data[j]), true);
    }
  });
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half precision, rounding to nearest even; the small weights here never overflow. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = ((x >>> 23) & 0xff) - 127 + 15;
  let mantissa = x & 0x7fffff;
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - exponent;
    const half = 1 << (shift - 1);
    let rounded = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    if (rest > half || (rest === half && rounded & 1)) rounded++;
    return sign | rounded;
  }
  let rounded = (exponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && rounded & 1)) rounded++;
  return sign | rounded;
}
