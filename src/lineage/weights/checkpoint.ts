import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../../util/errors.js';
import { type HfHubOptions, tryDownloadHfFile } from '../../references/store/hf-hub.js';
import { type ByteSource, localByteSource } from './byte-source.js';
import { readGgufTensors } from './gguf-tensors.js';
import { hubByteSource } from './hub-byte-source.js';
import { parseShardIndex, readSafetensorsHeader } from './safetensors.js';
import type { TensorHandle } from './tensor.js';

/** The tensors weight lineage reads from one transformer layer. */
export interface LayerTensors {
  q: TensorHandle;
  k: TensorHandle;
  /** The RMSNorm gain in front of attention, folded into q and k so that moving a scale into it changes nothing. */
  norm?: TensorHandle;
}

/** A Llama-style checkpoint opened for ranged reads: the token embedding, attention q/k per layer, head counts. */
export interface Checkpoint {
  name: string;
  format: 'safetensors' | 'gguf';
  embedding: TensorHandle;
  layers: LayerTensors[];
  heads: number;
  kvHeads: number;
  /** Total bytes of the checkpoint's weight files. */
  size: number;
  bytesRead(): number;
  close(): Promise<void>;
}

/** The file parses but holds no tensors at all (a GGUF file carrying only a tokenizer): there are no weights to compare. */
export class NoTensorsError extends UserError {}

const HF_NAMES = {
  embedding: ['model.embed_tokens.weight', 'embed_tokens.weight', 'transformer.wte.weight'],
  q: (i: number) => `model.layers.${i}.self_attn.q_proj.weight`,
  k: (i: number) => `model.layers.${i}.self_attn.k_proj.weight`,
  norm: (i: number) => `model.layers.${i}.input_layernorm.weight`,
};
const GGUF_NAMES = {
  embedding: ['token_embd.weight'],
  q: (i: number) => `blk.${i}.attn_q.weight`,
  k: (i: number) => `blk.${i}.attn_k.weight`,
  norm: (i: number) => `blk.${i}.attn_norm.weight`,
};

function assemble(
  name: string,
  format: Checkpoint['format'],
  tensors: Map<string, TensorHandle | string>,
  names: typeof HF_NAMES,
  heads: { heads?: number; kvHeads?: number },
  sources: ByteSource[],
): Checkpoint {
  const get = (tensor: string, required: boolean): TensorHandle | undefined => {
    const found = tensors.get(tensor);
    if (typeof found === 'string') {
      if (required) throw new UserError(`${name}: tensor "${tensor}" cannot be read (${found})`);
      return undefined;
    }
    return found;
  };
  if (tensors.size === 0) throw new NoTensorsError(`${name} holds no tensors; it carries no model weights`);
  const embeddingName = names.embedding.find((n) => tensors.has(n));
  if (!embeddingName)
    throw new UserError(
      `${name} has no token embedding (looked for ${names.embedding.join(', ')}); is it a Llama-style model?`,
    );
  const embedding = get(embeddingName, true)!;
  const layers: LayerTensors[] = [];
  for (let i = 0; tensors.has(names.q(i)) && tensors.has(names.k(i)); i++) {
    layers.push({ q: get(names.q(i), true)!, k: get(names.k(i), true)!, norm: get(names.norm(i), false) });
  }
  const headCount = heads.heads && heads.heads > 0 ? heads.heads : 1;
  const kvHeads = heads.kvHeads && heads.kvHeads > 0 ? heads.kvHeads : headCount;
  for (const [i, layer] of layers.entries()) {
    if (layer.q.cols !== embedding.cols || layer.k.cols !== embedding.cols)
      throw new UserError(
        `${name}: layer ${i}'s attention does not take rows of the embedding's width ${embedding.cols}`,
      );
    if (layer.q.rows % headCount || layer.k.rows % kvHeads || headCount % kvHeads)
      throw new UserError(
        `${name}: layer ${i}'s attention does not split into ${headCount} heads (${kvHeads} for keys)`,
      );
  }
  return {
    name,
    format,
    embedding,
    layers,
    heads: headCount,
    kvHeads,
    size: sources.reduce((sum, s) => sum + s.size, 0),
    bytesRead: () => sources.reduce((sum, s) => sum + s.bytesRead, 0),
    close: async () => {
      await Promise.all(sources.map((s) => s.close()));
    },
  };
}

function parseConfig(bytes: Uint8Array | undefined, name: string): { heads?: number; kvHeads?: number } {
  if (!bytes) return {};
  let json: { num_attention_heads?: unknown; num_key_value_heads?: unknown };
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new UserError(`${name} is not JSON`);
  }
  const count = (x: unknown) => (Number.isSafeInteger(x) && (x as number) > 0 ? (x as number) : undefined);
  return { heads: count(json?.num_attention_heads), kvHeads: count(json?.num_key_value_heads) };
}

export async function openGguf(source: ByteSource): Promise<Checkpoint> {
  try {
    const { tensors, metadata } = await readGgufTensors(source);
    const arch = String(metadata['general.architecture'] ?? 'llama');
    const count = (key: string) => {
      const value = metadata[`${arch}.attention.${key}`];
      return typeof value === 'number' ? value : undefined;
    };
    return assemble(
      source.name,
      'gguf',
      tensors,
      GGUF_NAMES,
      { heads: count('head_count'), kvHeads: count('head_count_kv') },
      [source],
    );
  } catch (error) {
    await source.close();
    throw error;
  }
}

/** One safetensors file or the shards an index names, with the config.json that gives the head counts. */
export async function openSafetensors(
  sources: ByteSource[],
  config: Uint8Array | undefined,
  name: string,
  configName: string,
): Promise<Checkpoint> {
  try {
    const tensors = new Map<string, TensorHandle | string>();
    for (const source of sources)
      for (const [key, value] of await readSafetensorsHeader(source)) tensors.set(key, value);
    return assemble(name, 'safetensors', tensors, HF_NAMES, parseConfig(config, configName), sources);
  } catch (error) {
    await Promise.all(sources.map((s) => s.close()));
    throw error;
  }
}

const INDEX_NAME = 'model.safetensors.index.json';

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

async function openShards(indexBytes: Uint8Array, indexName: string, open: (file: string) => Promise<ByteSource>) {
  const files = [...new Set(parseShardIndex(indexBytes, indexName).values())];
  const sources: ByteSource[] = [];
  try {
    for (const file of files) sources.push(await open(file));
  } catch (error) {
    await Promise.all(sources.map((s) => s.close()));
    throw error;
  }
  return sources;
}

/** A local model directory (sharded or single safetensors, or one GGUF file) or a weight file. */
export async function openLocalCheckpoint(path: string): Promise<Checkpoint> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new UserError(`${path} does not exist`);
  }
  const dir = isDir ? path : dirname(path);
  const config = await readOptional(join(dir, 'config.json'));
  if (!isDir) {
    if (path.toLowerCase().endsWith('.gguf')) return openGguf(await localByteSource(path, basename(path)));
    if (basename(path) === INDEX_NAME) {
      const sources = await openShards(await readFile(path), path, (file) => localByteSource(join(dir, file), file));
      return openSafetensors(sources, config, path, 'config.json');
    }
    if (path.toLowerCase().endsWith('.safetensors'))
      return openSafetensors([await localByteSource(path, basename(path))], config, path, 'config.json');
    throw new UserError(`${path} is not a .safetensors, ${INDEX_NAME} or .gguf file`);
  }
  const names = await readdir(path);
  if (names.includes(INDEX_NAME)) {
    const sources = await openShards(await readFile(join(path, INDEX_NAME)), INDEX_NAME, (file) =>
      localByteSource(join(path, file), file),
    );
    return openSafetensors(sources, config, path, 'config.json');
  }
  const single = names.includes('model.safetensors')
    ? ['model.safetensors']
    : names.filter((n) => n.toLowerCase().endsWith('.safetensors'));
  if (single.length === 1)
    return openSafetensors([await localByteSource(join(path, single[0]), single[0])], config, path, 'config.json');
  const ggufs = names.filter((n) => n.toLowerCase().endsWith('.gguf'));
  if (!single.length && ggufs.length === 1) return openGguf(await localByteSource(join(path, ggufs[0]), ggufs[0]));
  throw new UserError(
    single.length > 1 || ggufs.length > 1
      ? `${path} holds several weight files and no ${INDEX_NAME}; pass one of them`
      : `${path} holds no model weights (${INDEX_NAME}, *.safetensors or *.gguf)`,
  );
}

/** A hub repository's safetensors weights (sharded or single) read by range requests; nothing is downloaded whole. */
export async function openHubCheckpoint(hub: HfHubOptions, repo: string, revision: string): Promise<Checkpoint> {
  const what = `hf:${repo}@${revision}`;
  const config = (await tryDownloadHfFile(hub, repo, revision, 'config.json'))?.bytes;
  const index = await tryDownloadHfFile(hub, repo, revision, INDEX_NAME);
  if (index) {
    const sources = await openShards(index.bytes, `${what}/${INDEX_NAME}`, (file) =>
      hubByteSource(hub, repo, index.commit ?? revision, file),
    );
    return openSafetensors(sources, config, what, `${what}/config.json`);
  }
  return openSafetensors(
    [await hubByteSource(hub, repo, revision, 'model.safetensors')],
    config,
    what,
    `${what}/config.json`,
  );
}
