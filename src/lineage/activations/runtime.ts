import { UserError } from '../../util/errors.js';

export type OnnxRuntime = typeof import('onnxruntime-node');

export const MISSING_RUNTIME = '--activations needs onnxruntime-node: npm install onnxruntime-node';

const defaultImport = (): Promise<unknown> => import('onnxruntime-node');

/**
 * onnxruntime-node is an optional peer dependency (its native runtime is ~300 MB and its install
 * script fetches GPU add-ons), so it is imported only when activations are asked for.
 */
export async function loadOnnxRuntime(importer: () => Promise<unknown> = defaultImport): Promise<OnnxRuntime> {
  let loaded: unknown;
  try {
    loaded = await importer();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new UserError(MISSING_RUNTIME);
    throw new UserError(`--activations: onnxruntime-node is installed but does not load (${firstLine(error)})`, {
      cause: error,
    });
  }
  const module = loaded as OnnxRuntime & { default?: OnnxRuntime };
  return module.InferenceSession ? module : (module.default as OnnxRuntime);
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}
