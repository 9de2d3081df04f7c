import { GGMLQuantizationType, gguf } from '@huggingface/gguf';
import { UserError } from '../../util/errors.js';
import type { ByteSource } from './byte-source.js';
import type { WeightType } from './dequantize.js';
import type { TensorHandle } from './tensor.js';

/** ggml's type ids (ggml_type) for the types tokprint dequantizes. */
const GGML_TYPES: Record<number, WeightType> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  8: 'Q8_0',
  12: 'Q4_K',
  14: 'Q6_K',
  30: 'BF16',
};
const PLACEHOLDER_URL = 'http://checkpoint.invalid/model.gguf';

export interface GgufTensors {
  tensors: Map<string, TensorHandle | string>;
  metadata: Record<string, unknown>;
}

/**
 * Answers @huggingface/gguf's range requests from a ByteSource, so its parser reads a local file or a hub file
 * through the same counted, ranged reads as the tensors, and a range past the end comes back short as over HTTP.
 */
function rangeFetch(source: ByteSource): typeof fetch {
  return (async (_url: unknown, init?: { headers?: Record<string, string> }) => {
    const match = /bytes=(\d+)-(\d+)/.exec(init?.headers?.Range ?? '');
    const first = match ? Number(match[1]) : 0;
    const last = Math.min(match ? Number(match[2]) : source.size - 1, source.size - 1);
    const bytes = first > last ? new Uint8Array(0) : await source.read(first, last - first + 1);
    return new Response(bytes, { status: 206, headers: { 'content-range': `bytes ${first}-${last}/${source.size}` } });
  }) as typeof fetch;
}

/** Tensor infos (type, shape, offset) of a GGUF file and its metadata; tensor data is not read. */
export async function readGgufTensors(source: ByteSource): Promise<GgufTensors> {
  let parsed: Awaited<ReturnType<typeof gguf>>;
  try {
    parsed = await gguf(PLACEHOLDER_URL, { fetch: rangeFetch(source) });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${source.name} is not a readable GGUF file (${(error as Error).message.split('\n')[0]})`, {
      cause: error,
    });
  }
  const dataStart = Number(parsed.tensorDataOffset);
  const tensors = new Map<string, TensorHandle | string>();
  for (const info of parsed.tensorInfos) {
    const type = GGML_TYPES[info.dtype];
    if (!type) {
      const typeName = GGMLQuantizationType[info.dtype] ?? `type ${info.dtype}`;
      tensors.set(info.name, `it is ${typeName}; tokprint dequantizes ${Object.values(GGML_TYPES).join(', ')}`);
      continue;
    }
    // ggml lists dimensions innermost first: {n_embd, n_vocab} is n_vocab rows of n_embd values
    const dims = info.shape.map(Number);
    const cols = dims[0] ?? 1;
    const rows = dims.slice(1).reduce((a, b) => a * b, 1);
    const offset = dataStart + Number(info.offset);
    if (offset > source.size)
      throw new UserError(
        `${source.name} is truncated: tensor "${info.name}" starts at byte ${offset}, the file has ${source.size}; download it again`,
      );
    tensors.set(info.name, { name: info.name, type, rows, cols, source, offset });
  }
  return { tensors, metadata: parsed.metadata as Record<string, unknown> };
}
