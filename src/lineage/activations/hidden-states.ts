import { readFile } from 'node:fs/promises';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { UserError } from '../../util/errors.js';
import type { OnnxRuntime } from './runtime.js';

/** Outputs named as exports with hidden states name them: hidden_states.3, hidden_states_3, layer.3.hidden_state... */
const HIDDEN_OUTPUT = /hidden[._-]?states?[._/-]?(\d+)$/i;

/** Tokens per text given to a model; longer texts are cut (the probe texts rarely reach it). */
export const MAX_TOKENS = 128;

export interface PooledLayer {
  /** The graph output it was read from. */
  output: string;
  width: number;
  /** texts x width, row-major: each text's hidden states averaged over its tokens. */
  rows: Float64Array;
}

export interface PooledStates {
  layers: PooledLayer[];
  texts: number;
}

export interface ActivationModel {
  /** Where the model was read from, for messages. */
  label: string;
  session: InferenceSession;
  hiddenOutputs: string[];
}

/** The hidden-state outputs of a graph, in layer order (embeddings first). */
export function hiddenOutputs(outputNames: readonly string[]): string[] {
  return outputNames
    .map((name) => ({ name, match: HIDDEN_OUTPUT.exec(name) }))
    .filter((o): o is { name: string; match: RegExpExecArray } => o.match !== null)
    .sort((x, y) => Number(x.match[1]) - Number(y.match[1]))
    .map((o) => o.name);
}

const GIVEN_INPUTS = new Set(['input_ids', 'attention_mask', 'position_ids', 'token_type_ids']);

export async function openActivationModel(ort: OnnxRuntime, path: string, label: string): Promise<ActivationModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UserError(`cannot read ${label} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all',
      // Graph-cleanup notices would otherwise reach stderr; failures still throw.
      logSeverityLevel: 3,
    });
  } catch (error) {
    const reason = String((error as Error).message ?? error).split('\n')[0];
    throw new UserError(`${label} is not an ONNX model onnxruntime can load (${reason})`, { cause: error });
  }
  const hidden = hiddenOutputs(session.outputNames);
  if (hidden.length < 2)
    throw new UserError(
      `${label} exports no hidden states per layer (outputs: ${session.outputNames.join(', ')}); export it with hidden states as outputs named hidden_states.N`,
    );
  if (!session.inputNames.includes('input_ids'))
    throw new UserError(`${label} takes no input_ids (inputs: ${session.inputNames.join(', ')})`);
  const unknown = session.inputNames.filter((name) => !GIVEN_INPUTS.has(name));
  if (unknown.length)
    throw new UserError(
      `${label} needs inputs tokprint cannot give (${unknown.join(', ')}); export it without a key/value cache`,
    );
  return { label, session, hiddenOutputs: hidden };
}

/** IEEE half-precision bits to a number (exports in float16 give their states as raw 16-bit words). */
function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function floats(tensor: Tensor, label: string, name: string): ArrayLike<number> {
  if (tensor.type === 'float32' || tensor.type === 'float64') return tensor.data as Float32Array | Float64Array;
  if (tensor.type === 'float16') {
    const data = tensor.data;
    return data instanceof Uint16Array ? Float32Array.from(data, fromHalf) : (data as ArrayLike<number>);
  }
  throw new UserError(`${label}: output ${name} holds ${tensor.type} values, not floating-point hidden states`);
}

function int64(ort: OnnxRuntime, values: (i: number) => number, n: number): Tensor {
  return new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: n }, (_, i) => BigInt(values(i))),
    [1, n],
  );
}

/** Each text's hidden states at every exported layer, averaged over its tokens. */
export async function pooledHiddenStates(
  ort: OnnxRuntime,
  model: ActivationModel,
  tokenized: readonly number[][],
): Promise<PooledStates> {
  const n = tokenized.length;
  const layers: PooledLayer[] = [];
  for (const [t, ids] of tokenized.entries()) {
    const cut = ids.slice(0, MAX_TOKENS);
    const feeds: Record<string, Tensor> = {};
    for (const name of model.session.inputNames) {
      if (name === 'input_ids') feeds[name] = int64(ort, (i) => cut[i], cut.length);
      else if (name === 'attention_mask') feeds[name] = int64(ort, () => 1, cut.length);
      else if (name === 'position_ids') feeds[name] = int64(ort, (i) => i, cut.length);
      else feeds[name] = int64(ort, () => 0, cut.length);
    }
    let out: InferenceSession.ReturnType;
    try {
      out = await model.session.run(feeds, model.hiddenOutputs);
    } catch (error) {
      const reason = String((error as Error).message ?? error).split('\n')[0];
      throw new UserError(`${model.label} failed on a probe text (${reason})`, { cause: error });
    }
    model.hiddenOutputs.forEach((name, l) => {
      const tensor = out[name];
      const dims = tensor.dims;
      const width = dims[dims.length - 1];
      const data = floats(tensor, model.label, name);
      const tokens = width ? data.length / width : 0;
      if (!layers[l]) layers[l] = { output: name, width, rows: new Float64Array(n * width) };
      const layer = layers[l];
      if (layer.width !== width || tokens < 1)
        throw new UserError(`${model.label}: output ${name} changes width between inputs (${layer.width} vs ${width})`);
      const row = t * width;
      for (let k = 0; k < tokens; k++) for (let j = 0; j < width; j++) layer.rows[row + j] += data[k * width + j];
      for (let j = 0; j < width; j++) layer.rows[row + j] /= tokens;
    });
  }
  return { layers, texts: n };
}
