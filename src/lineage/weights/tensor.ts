import type { ByteSource } from './byte-source.js';
import { dequantize, rowBytes, type WeightType } from './dequantize.js';

/** One tensor of a checkpoint seen as a matrix of `rows` rows of `cols` values (a vector is one row). */
export interface TensorHandle {
  name: string;
  type: WeightType;
  rows: number;
  cols: number;
  source: ByteSource;
  /** Where its data starts in `source`. */
  offset: number;
}

/** Rows read as float32, neighbouring rows in one read; nothing else of the tensor is touched. */
export async function readRows(tensor: TensorHandle, rows: readonly number[]): Promise<Float32Array[]> {
  const stride = rowBytes(tensor.type, tensor.cols, `${tensor.source.name}: ${tensor.name}`);
  const order = [...new Set(rows)].sort((a, b) => a - b);
  const decoded = new Map<number, Float32Array>();
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1] === order[j] + 1) j++;
    const first = order[i];
    const count = order[j] - first + 1;
    if (first < 0 || order[j] >= tensor.rows) throw new RangeError(`row ${order[j]} of ${tensor.name} is out of range`);
    const bytes = await tensor.source.read(tensor.offset + first * stride, count * stride);
    for (let r = 0; r < count; r++)
      decoded.set(first + r, dequantize(tensor.type, bytes.subarray(r * stride, (r + 1) * stride), tensor.cols));
    i = j + 1;
  }
  return rows.map((row) => decoded.get(row)!);
}

export async function readAll(tensor: TensorHandle): Promise<Float32Array[]> {
  return readRows(
    tensor,
    Array.from({ length: tensor.rows }, (_, i) => i),
  );
}
