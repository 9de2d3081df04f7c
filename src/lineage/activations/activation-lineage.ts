import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/errors.js';
import { type ActivationEvidence, compareActivations } from './compare-activations.js';
import { type ActivationModel, openActivationModel, pooledHiddenStates } from './hidden-states.js';
import { activationTexts } from './probe-texts.js';
import { loadOnnxRuntime, type OnnxRuntime } from './runtime.js';

export interface ActivationSide {
  /** A model directory (model.onnx or onnx/model.onnx beside its tokenizer) or an .onnx file. */
  path: string;
  /** The model's own tokenizer: each model reads the texts as its own ids. */
  encode(text: string): number[];
}

export interface ActivationOptions {
  texts?: readonly string[];
  /** How onnxruntime-node is imported; the default is the installed package. */
  importRuntime?: () => Promise<unknown>;
}

/** Where exports put the graph: model.onnx at the top (optimum) or under onnx/ (transformers.js). */
const GRAPH_NAMES = ['model.onnx', join('onnx', 'model.onnx')];

const GGUF_REFUSED =
  'per-layer hidden states of a GGUF model cannot be read (llama.cpp bindings give only the final, pooled embedding); export the model to ONNX with hidden states as outputs';

async function isGguf(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await file.read(head, 0, 4, 0);
    return head.toString('latin1') === 'GGUF';
  } finally {
    await file.close();
  }
}

export async function onnxGraphPath(path: string): Promise<string> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read ${path} (${error.code ?? error.message})`);
  });
  if (info.isFile()) {
    if (/\.onnx$/i.test(path)) return path;
    if (await isGguf(path)) throw new UserError(`${path}: ${GGUF_REFUSED}`);
    throw new UserError(
      `--activations needs a model directory holding model.onnx, or an .onnx file; ${path} is neither`,
    );
  }
  for (const name of GRAPH_NAMES) {
    const candidate = join(path, name);
    if (
      await stat(candidate).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return candidate;
  }
  if ((await readdir(path)).some((name) => name.toLowerCase().endsWith('.gguf')))
    throw new UserError(`${path} holds a GGUF model but no model.onnx: ${GGUF_REFUSED}`);
  throw new UserError(
    `${path} holds no model.onnx or onnx/model.onnx; --activations needs an ONNX export with hidden states per layer`,
  );
}

/** Both models run on the same probe texts, each through its own tokenizer; hidden states compared layer by layer. */
export async function activationLineage(
  a: ActivationSide,
  b: ActivationSide,
  options: ActivationOptions = {},
): Promise<ActivationEvidence> {
  const ort = await loadOnnxRuntime(options.importRuntime);
  const [pathA, pathB] = await Promise.all([onnxGraphPath(a.path), onnxGraphPath(b.path)]);
  const pairs = (options.texts ?? activationTexts())
    .map((text) => [a.encode(text), b.encode(text)])
    .filter(([idsA, idsB]) => idsA.length > 0 && idsB.length > 0);
  const idsA = pairs.map(([ids]) => ids);
  const idsB = pairs.map(([, ids]) => ids);
  const statesA = await withModel(ort, pathA, (model) => pooledHiddenStates(ort, model, idsA));
  const statesB = await withModel(ort, pathB, (model) => pooledHiddenStates(ort, model, idsB));
  return compareActivations(statesA, statesB);
}

/** One model open at a time, released however its run ends. */
async function withModel<T>(ort: OnnxRuntime, path: string, use: (model: ActivationModel) => Promise<T>): Promise<T> {
  const model = await openActivationModel(ort, path, path);
  try {
    return await use(model);
  } finally {
    await model.session.release();
  }
}
