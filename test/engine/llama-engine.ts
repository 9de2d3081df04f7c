import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel, type Token } from 'node-llama-cpp';
import { chatTemplateRenderer, type PromptMessage } from './llama-chat-prompt.js';
import { tokenPiece } from './llama-pieces.js';

export interface LlamaEngine {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  /** The GGUF's chat template rendered by llama.cpp. */
  render(messages: readonly PromptMessage[]): string;
  /** Runs `task` alone: the context has one sequence, so requests take turns. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

/**
 * llama.cpp on the CPU from node-llama-cpp's prebuilt binaries only: never a build or download. One thread, because
 * a 64-wide model gains nothing from more and llama.cpp's spinning thread barriers crawl on a busy machine.
 */
export async function loadLlamaEngine(modelPath: string, contextSize = 2048): Promise<LlamaEngine> {
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
  });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize, sequences: 1, threads: 1 });
  const render = chatTemplateRenderer(llama, model);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    llama,
    model,
    context,
    render,
    exclusive: <T>(task: () => Promise<T>) => {
      const run = queue.then(task, task);
      queue = run.catch(() => undefined);
      return run;
    },
    dispose: async () => {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

export interface GenerateOptions {
  maxTokens: number;
  /** 0 or absent: greedy. Above 0: sampled with `seed`, so still deterministic. */
  temperature?: number;
  seed?: number;
  /** Ask for each token's probability and the `top` most likely alternatives (0 for the chosen token alone). */
  top?: number;
}

export interface GeneratedToken {
  token: Token;
  /** llama.cpp's piece as llama-server puts it in the output text: control tokens give nothing. */
  piece: Uint8Array;
  /** End of generation (EOS, end of turn): counted, never shown. */
  end: boolean;
  probability?: number;
  top?: { token: Token; probability: number }[];
}

/** Evaluates the prompt from an empty sequence and yields sampled tokens until an end token or `maxTokens`. */
export async function* generate(
  engine: LlamaEngine,
  prompt: readonly Token[],
  options: GenerateOptions,
): AsyncGenerator<GeneratedToken> {
  if (options.maxTokens <= 0) return;
  const sequence = engine.context.getSequence();
  try {
    const temperature = options.temperature ?? 0;
    const sampling = { temperature, seed: options.seed ?? 0, yieldEogToken: true };
    let count = 0;
    const metadata = { probabilities: options.top !== undefined };
    for await (const output of sequence.evaluateWithMetadata([...prompt], metadata, sampling)) {
      const token = output.token;
      const end = engine.model.isEogToken(token);
      const generated: GeneratedToken = {
        token,
        piece: end ? new Uint8Array() : tokenPiece(engine.model, token, false),
        end,
      };
      if ('probabilities' in output && output.probabilities) {
        const probabilities = output.probabilities as Map<Token, number>;
        generated.probability = probabilities.get(token) ?? 0;
        generated.top = [];
        for (const [candidate, probability] of probabilities) {
          if (generated.top.length >= (options.top ?? 0)) break;
          generated.top.push({ token: candidate, probability });
        }
      }
      yield generated;
      if (end || ++count >= options.maxTokens) break;
    }
  } finally {
    sequence.dispose();
  }
}
