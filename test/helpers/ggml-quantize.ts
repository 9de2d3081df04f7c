import { toHalf } from '../engine/gguf-tensors.js';

/**
 * Reference quantizers for the tests, written from ggml's block structs and its quantize_row_*_ref layouts
 * (block_q8_0, block_q4_0, block_q4_K with get_scale_min_k4's 12-byte scale packing, block_q6_K); the scale
 * choice is simpler than ggml's search, the bit layout is the same, which is what the reader must get right.
 */
export type QuantType = 'Q8_0' | 'Q4_0' | 'Q4_K' | 'Q6_K';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromHalf = (h: number) => {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  const s = h & 0x8000 ? -1 : 1;
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
};

export function toBf16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  return ((bits + 0x7fff + ((bits >> 16) & 1)) >>> 16) & 0xffff;
}

function q8_0(x: Float32Array, out: DataView, at: number): void {
  for (let b = 0; b < x.length / 32; b++, at += 34) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
    const half = toHalf(amax / 127);
    const d = fromHalf(half);
    out.setUint16(at, half, true);
    for (let j = 0; j < 32; j++) out.setInt8(at + 2 + j, d ? Math.round(x[b * 32 + j] / d) : 0);
  }
}

function q4_0(x: Float32Array, out: DataView, at: number): void {
  for (let b = 0; b < x.length / 32; b++, at += 18) {
    let max = 0;
    for (let j = 0; j < 32; j++) if (Math.abs(x[b * 32 + j]) > Math.abs(max)) max = x[b * 32 + j];
    const half = toHalf(max / -8);
    const d = fromHalf(half);
    const id = d ? 1 / d : 0;
    out.setUint16(at, half, true);
    const q = (v: number) => Math.min(15, Math.max(0, Math.trunc(v * id + 8.5)));
    for (let j = 0; j < 16; j++) out.setUint8(at + 2 + j, q(x[b * 32 + j]) | (q(x[b * 32 + j + 16]) << 4));
  }
}

function q4_K(x: Float32Array, out: DataView, at: number): void {
  for (let b = 0; b < x.length / 256; b++, at += 144) {
    const v = x.subarray(b * 256, b * 256 + 256);
    const scales: number[] = [];
    const mins: number[] = [];
    for (let s = 0; s < 8; s++) {
      const sub = v.subarray(s * 32, s * 32 + 32);
      const lo = Math.min(0, ...sub);
      const hi = Math.max(...sub);
      scales.push((hi - lo) / 15);
      mins.push(-lo);
    }
    const dHalf = toHalf(Math.max(...scales) / 63);
    const mHalf = toHalf(Math.max(...mins) / 63);
    const d = fromHalf(dHalf);
    const dmin = fromHalf(mHalf);
    const ls = scales.map((s) => (d ? Math.min(63, Math.round(s / d)) : 0));
    const lm = mins.map((m) => (dmin ? Math.min(63, Math.round(m / dmin)) : 0));
    out.setUint16(at, dHalf, true);
    out.setUint16(at + 2, mHalf, true);
    const packed = new Uint8Array(12);
    for (let j = 0; j < 8; j++) {
      if (j < 4) {
        packed[j] = ls[j];
        packed[j + 4] = lm[j];
      } else {
        packed[j + 4] = (ls[j] & 0xf) | ((lm[j] & 0xf) << 4);
        packed[j - 4] |= (ls[j] >> 4) << 6;
        packed[j] |= (lm[j] >> 4) << 6;
      }
    }
    for (let j = 0; j < 12; j++) out.setUint8(at + 4 + j, packed[j]);
    const level = v.map((value, i) => {
      const s = i >> 5;
      const step = d * ls[s];
      return step ? Math.min(15, Math.max(0, Math.round((value + dmin * lm[s]) / step))) : 0;
    });
    for (let j = 0, q = at + 16; j < 256; j += 64, q += 32)
      for (let l = 0; l < 32; l++) out.setUint8(q + l, level[j + l] | (level[j + l + 32] << 4));
  }
}

function q6_K(x: Float32Array, out: DataView, at: number): void {
  for (let b = 0; b < x.length / 256; b++, at += 210) {
    const v = x.subarray(b * 256, b * 256 + 256);
    const subScales: number[] = [];
    for (let s = 0; s < 16; s++) {
      let max = 0;
      for (let j = 0; j < 16; j++) if (Math.abs(v[s * 16 + j]) > Math.abs(max)) max = v[s * 16 + j];
      subScales.push(max / -32);
    }
    let maxScale = 0;
    for (const s of subScales) if (Math.abs(s) > Math.abs(maxScale)) maxScale = s;
    const iscale = maxScale ? -128 / maxScale : 0;
    const dHalf = toHalf(iscale ? 1 / iscale : 0);
    const d = fromHalf(dHalf);
    const sc = subScales.map((s) => Math.max(-128, Math.min(127, Math.round(iscale * s))));
    const level = v.map((value, i) => {
      const step = d * sc[i >> 4];
      return step ? Math.min(63, Math.max(0, Math.round(value / step) + 32)) : 32;
    });
    for (let j = 0, ql = at, qh = at + 128; j < 256; j += 128, ql += 64, qh += 32) {
      for (let l = 0; l < 32; l++) {
        const [l1, l2, l3, l4] = [level[j + l], level[j + l + 32], level[j + l + 64], level[j + l + 96]];
        out.setUint8(ql + l, (l1 & 0xf) | ((l3 & 0xf) << 4));
        out.setUint8(ql + l + 32, (l2 & 0xf) | ((l4 & 0xf) << 4));
        out.setUint8(qh + l, (l1 >> 4) | ((l2 >> 4) << 2) | ((l3 >> 4) << 4) | ((l4 >> 4) << 6));
      }
    }
    for (let s = 0; s < 16; s++) out.setInt8(at + 192 + s, sc[s]);
    out.setUint16(at + 208, dHalf, true);
  }
}

const LAYOUT = { Q8_0: [32, 34, q8_0], Q4_0: [32, 18, q4_0], Q4_K: [256, 144, q4_K], Q6_K: [256, 210, q6_K] } as const;

/** `values` quantized into whole blocks of `type`, row-major as ggml stores them. */
export function quantize(type: QuantType, values: Float32Array): Uint8Array {
  const [per, bytes, write] = LAYOUT[type];
  if (values.length % per) throw new Error(`${values.length} values do not fill ${type} blocks of ${per}`);
  const out = new Uint8Array((values.length / per) * bytes);
  write(values, new DataView(out.buffer), 0);
  return out;
}

export const GGML_TYPE_IDS = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8, Q4_K: 12, Q6_K: 14, BF16: 30 } as const;
