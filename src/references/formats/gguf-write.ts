import { GGUFValueType, serializeGgufMetadata, type GGUFTypedMetadata } from '@huggingface/gguf';

/** One metadata value with its GGUF type, e.g. `{ type: 'u32', value: 1 }`, `{ type: 'string[]', value: tokens }`. */
export type GgufEntry =
  | { type: 'string'; value: string }
  | { type: 'u32' | 'i32' | 'f32'; value: number }
  | { type: 'u64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'i32[]' | 'f32[]'; value: readonly number[] };

const SCALAR = {
  string: GGUFValueType.STRING,
  u32: GGUFValueType.UINT32,
  i32: GGUFValueType.INT32,
  f32: GGUFValueType.FLOAT32,
  u64: GGUFValueType.UINT64,
  bool: GGUFValueType.BOOL,
} as const;
const ARRAY = {
  'string[]': GGUFValueType.STRING,
  'i32[]': GGUFValueType.INT32,
  'f32[]': GGUFValueType.FLOAT32,
} as const;

/**
 * A GGUF v3 file (little-endian) holding only metadata and zero tensors: enough for anything that reads a
 * model's tokenizer, and the header a tiny test model starts from. Serialization is @huggingface/gguf's.
 */
export function writeGguf(metadata: Record<string, GgufEntry>): Uint8Array {
  return serializeGgufMetadata(typedMetadata(metadata, 0n));
}

/**
 * The header and metadata of a GGUF v3 file that declares `tensorCount` tensors, without the padding `writeGguf`
 * ends with: the tensor infos must follow the last key/value directly, and only the data after them is aligned.
 */
export function writeGgufHeader(metadata: Record<string, GgufEntry>, tensorCount: number): Uint8Array {
  return serializeGgufMetadata(typedMetadata(metadata, BigInt(tensorCount)), { alignment: 1 });
}

function typedMetadata(metadata: Record<string, GgufEntry>, tensorCount: bigint): GGUFTypedMetadata {
  const typed: Record<string, unknown> = {
    version: { value: 3, type: GGUFValueType.UINT32 },
    tensor_count: { value: tensorCount, type: GGUFValueType.UINT64 },
    kv_count: { value: BigInt(Object.keys(metadata).length), type: GGUFValueType.UINT64 },
  };
  for (const [key, entry] of Object.entries(metadata)) {
    typed[key] =
      entry.type in ARRAY
        ? {
            value: [...(entry.value as readonly unknown[])],
            type: GGUFValueType.ARRAY,
            subType: ARRAY[entry.type as keyof typeof ARRAY],
          }
        : { value: entry.value, type: SCALAR[entry.type as keyof typeof SCALAR] };
  }
  return typed as GGUFTypedMetadata;
}
