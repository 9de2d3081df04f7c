import type { Tokenizer } from '../references/tokenizer.js';
import type { Target, TargetRequest, TargetResponse } from './target.js';

/** A local tokenizer file as a target: the prompt count is the messages' text joined, with no template. */
export function tokenizerTarget(id: string, description: string, tokenizer: Tokenizer): Target {
  return {
    id,
    description,
    async send(request: TargetRequest): Promise<TargetResponse> {
      const started = performance.now();
      const text = request.messages.map((m) => m.content).join('\n\n');
      const ids = tokenizer.encode(text);
      return {
        usage: { promptTokens: ids.length },
        latencyMs: performance.now() - started,
        raw: { request: { text }, response: { count: ids.length } },
      };
    },
  };
}
