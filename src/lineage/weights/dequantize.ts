import { UserError } from '../../util/errors.js';

/** The element types tokprint reads weights in: safetensors' float types and ggml's (quantized) block types. */
export type WeightType = 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q4_0' | 'Q4_K' | 'Q6_K';

/** Values per block and bytes per block, from ggml's block structs (block_q8_0, block_q4_0, block_q4_K, block_q6_K). */
export const BLOCK_LAYOUT: Record<WeightType, { values: number; bytes: number }> = {
  F32: { values: 1, bytes: 4 },
  F16: { values: 1, bytes: 2 },
  BF16: { values: 1, bytes: 2 },
  // f16 d; int8 qs[32]
  Q8_0: { values: 32, bytes: 2 + 32 },
  // f16 d; uint8 qs[16] (two 4-bit values a byte)
  Q4_0: { values: 32, bytes: 2 + 16 },
  // f16 d, f16 dmin; uint8 scales[12] (6-bit scale and min per 32-value sub-block); uint8 qs[128]
  Q4_K: { values: 256, bytes: 2 + 2 + 12 + 128 },
  // uint8 ql[128] (low 4 bits); uint8 qh[64] (high 2 bits); int8 scales[16]; f16 d
  Q6_K: { values: 256, bytes: 128 + 64 + 16 + 2 },
};

/** Bytes a row of `length` values takes; a row must hold whole blocks, as ggml requires. */
export function rowBytes(type: WeightType, length: number, what: string): number {
  const { values, bytes } = BLOCK_LAYOUT[type];
  if (length % values !== 0)
    throw new UserError(`${what}: rows of ${length} values do not split into ${type} blocks of ${values}`);
  return (length / values) * bytes;
}

const scratch = new DataView(new ArrayBuffer(4));

export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function bf16ToFloat(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}

/** Q4_K and Q5_K pack eight 6-bit scales and eight 6-bit mins into 12 bytes (ggml's get_scale_min_k4). */
function scaleMinK4(j: number, q: Uint8Array, at: number): [number, number] {
  if (j < 4) return [q[at + j] & 63, q[at + j + 4] & 63];
  return [(q[at + j + 4] & 0xf) | ((q[at + j - 4] >> 6) << 4), (q[at + j + 4] >> 4) | ((q[at + j] >> 6) << 4)];
}

/** `length` values of type `type` stored little-endian in `bytes` (whole blocks), as float32. */
export function dequantize(type: WeightType, bytes: Uint8Array, length: number): Float32Array {
  const out = new Float32Array(length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case 'F32':
      for (let i = 0; i < length; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    case 'F16':
      for (let i = 0; i < length; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    case 'BF16':
      for (let i = 0; i < length; i++) out[i] = bf16ToFloat(view.getUint16(2 * i, true));
      return out;
    case 'Q8_0':
      for (let b = 0; b < length / 32; b++) {
        const at = b * 34;
        const d = halfToFloat(view.getUint16(at, true));
        for (let j = 0; j < 32; j++) out[b * 32 + j] = d * view.getInt8(at + 2 + j);
      }
      return out;
    case 'Q4_0':
      for (let b = 0; b < length / 32; b++) {
        const at = b * 18;
        const d = halfToFloat(view.getUint16(at, true));
        for (let j = 0; j < 16; j++) {
          const q = bytes[at + 2 + j];
          out[b * 32 + j] = d * ((q & 0xf) - 8);
          out[b * 32 + j + 16] = d * ((q >> 4) - 8);
        }
      }
      return out;
    case 'Q4_K':
      for (let b = 0; b < length / 256; b++) {
        const at = b * 144;
        const d = halfToFloat(view.getUint16(at, true));
        const dmin = halfToFloat(view.getUint16(at + 2, true));
        let q = at + 16;
        let y = b * 256;
        for (let j = 0, is = 0; j < 256; j += 64, is += 2, q += 32, y += 64) {
          const [sc1, m1] = scaleMinK4(is, bytes, at + 4);
          const [sc2, m2] = scaleMinK4(is + 1, bytes, at + 4);
          for (let l = 0; l < 32; l++) {
            out[y + l] = d * sc1 * (bytes[q + l] & 0xf) - dmin * m1;
            out[y + 32 + l] = d * sc2 * (bytes[q + l] >> 4) - dmin * m2;
          }
        }
      }
      return out;
    case 'Q6_K':
      for (let b = 0; b < length / 256; b++) {
        const at = b * 210;
        const d = halfToFloat(view.getUint16(at + 208, true));
        let ql = at;
        let qh = at + 128;
        let sc = at + 192;
        let y = b * 256;
        for (let n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8, y += 128) {
          for (let l = 0; l < 32; l++) {
            const is = l >> 4;
            const h = bytes[qh + l];
            const q1 = ((bytes[ql + l] & 0xf) | ((h & 3) << 4)) - 32;
            const q2 = ((bytes[ql + l + 32] & 0xf) | (((h >> 2) & 3) << 4)) - 32;
            const q3 = ((bytes[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
            const q4 = ((bytes[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
            out[y + l] = d * view.getInt8(sc + is) * q1;
            out[y + l + 32] = d * view.getInt8(sc + is + 2) * q2;
            out[y + l + 64] = d * view.getInt8(sc + is + 4) * q3;
            out[y + l + 96] = d * view.getInt8(sc + is + 6) * q4;
          }
        }
      }
      return out;
  }
}
