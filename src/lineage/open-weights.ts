import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { hfHubOptions } from '../references/store/hf-hub.js';
import { type Checkpoint, NoTensorsError, openHubCheckpoint, openLocalCheckpoint } from './weights/checkpoint.js';

/** Whether a local path is, or holds, model weights (safetensors, a shard index or GGUF). */
export async function holdsWeights(path: string): Promise<boolean> {
  const isWeightFile = (name: string) => /\.(safetensors|gguf)$/i.test(name) || name === 'model.safetensors.index.json';
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return isWeightFile(path);
    return (await readdir(path)).some(isWeightFile);
  } catch {
    return false;
  }
}

/** Opens the weights a source names: a local directory or file, or hf:org/repo[@revision] read by ranges. */
export async function openWeights(
  spec: string,
  hub: { repo: string; revision: string } | undefined,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Checkpoint> {
  if (hub) return openHubCheckpoint(hfHubOptions(options.env), hub.repo, hub.revision);
  return openLocalCheckpoint(resolve(options.cwd, spec));
}

/** Like openWeights, but undefined for a file that holds no tensors (a tokenizer-only GGUF), where weights are optional. */
export async function openWeightsIfAny(
  spec: string,
  hub: { repo: string; revision: string } | undefined,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Checkpoint | undefined> {
  try {
    return await openWeights(spec, hub, options);
  } catch (error) {
    if (error instanceof NoTensorsError) return undefined;
    throw error;
  }
}
