import type { Tokenizer } from '../references/tokenizer.js';
import type { ChatTemplate } from './chat-templates.js';
import type { ChatMessage, Target, TargetRequest, TargetResponse } from './target.js';

export interface SimulatedApi {
  id: string;
  description: string;
  tokenizer: Tokenizer;
  template: ChatTemplate;
  /** Prepended to every conversation and never shown to the caller, like a product's own instructions. */
  hiddenSystemPrompt: string;
}

/**
 * An in-process chat API: it lays the conversation out with its template, counts the prompt with its
 * tokenizer and bills that count, as a server running the model would.
 */
export function simulatedTarget(api: SimulatedApi): Target {
  return {
    id: api.id,
    description: api.description,
    async send(request: TargetRequest): Promise<TargetResponse> {
      const started = performance.now();
      const messages: ChatMessage[] = api.hiddenSystemPrompt
        ? [{ role: 'system', content: api.hiddenSystemPrompt }, ...request.messages.filter((m) => m.role !== 'system')]
        : request.messages;
      const promptTokens = api.tokenizer.encode(api.template.render(messages)).length;
      const usage = { promptTokens, completionTokens: 1, totalTokens: promptTokens + 1 };
      return {
        usage,
        text: 'OK',
        latencyMs: performance.now() - started,
        metadata: { model: 'simulated' },
        raw: {
          request: { messages: request.messages, max_tokens: request.maxOutputTokens ?? 1 },
          response: { choices: [{ message: { role: 'assistant', content: 'OK' } }], usage: { prompt_tokens: promptTokens, completion_tokens: 1 } },
        },
      };
    },
  };
}
