import type { Llama, LlamaModel, Token } from 'node-llama-cpp';

export interface PromptMessage {
  role: string;
  content: string;
}

interface NativeJinja {
  render(items: Record<string, unknown>): string;
}

/**
 * The model's own chat template (`tokenizer.chat_template` in the GGUF) rendered by llama.cpp's C++ Jinja engine,
 * the one `llama-server --jinja` uses. node-llama-cpp's public chat wrappers render with a JavaScript Jinja first
 * and add their own wrapping, so the native renderer is taken from its bindings directly.
 */
export function chatTemplateRenderer(llama: Llama, model: LlamaModel): (messages: readonly PromptMessage[]) => string {
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  if (typeof template !== 'string') throw new Error('the model has no tokenizer.chat_template');
  const bindings = (llama as unknown as { _bindings?: { AddonJinjaRenderer?: new (template: string) => NativeJinja } })
    ._bindings;
  if (typeof bindings?.AddonJinjaRenderer !== 'function')
    throw new Error("this node-llama-cpp no longer exposes llama.cpp's Jinja renderer; update the engine test");
  const renderer = new bindings.AddonJinjaRenderer(template);
  const bos = model.tokens.bosString ?? '';
  const eos = model.tokens.eosString ?? '';
  return (messages) =>
    renderer.render({
      messages: messages.map((m) => ({ ...m })),
      add_generation_prompt: true,
      bos_token: bos,
      eos_token: eos,
    });
}

/**
 * llama.cpp's tokenization of text: special-token text becomes control ids (`parse_special`), and with `addSpecial`
 * BOS/EOS are added where the vocabulary asks for them, as `llama_tokenize(add_special)` does.
 */
export function llamaTokenize(model: LlamaModel, text: string, addSpecial: boolean): Token[] {
  const tokens = model.tokenize(text, true);
  if (!addSpecial) return tokens;
  const { bos, eos, shouldPrependBosToken, shouldAppendEosToken } = model.tokens;
  return [
    ...(shouldPrependBosToken && bos !== null ? [bos] : []),
    ...tokens,
    ...(shouldAppendEosToken && eos !== null ? [eos] : []),
  ];
}

/**
 * A chat request's prompt as llama-server builds it: the template rendered, then tokenized with `add_special`,
 * a BOS the template already wrote counted once (llama.cpp strips it from the rendered text before tokenizing).
 */
export function chatPromptTokens(
  model: LlamaModel,
  render: (messages: readonly PromptMessage[]) => string,
  messages: readonly PromptMessage[],
): { text: string; tokens: Token[] } {
  let text = render(messages);
  const bosText = model.tokens.bosString;
  if (model.tokens.shouldPrependBosToken && bosText && text.startsWith(bosText)) text = text.slice(bosText.length);
  return { text, tokens: llamaTokenize(model, text, true) };
}
