import { UserError } from '../util/errors.js';
import type { ChatMessage } from './target.js';

/** How a simulated API lays messages out before counting them, as real chat templates do. */
export interface ChatTemplate {
  name: string;
  render(messages: readonly ChatMessage[]): string;
}

function byTurns(
  open: (role: string) => string,
  close: string,
  generation: string,
): (messages: readonly ChatMessage[]) => string {
  return (messages) => messages.map((m) => `${open(m.role)}${m.content}${close}`).join('') + generation;
}

function systemFolded(messages: readonly ChatMessage[]): { system: string; rest: ChatMessage[] } {
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  return { system, rest: messages.filter((m) => m.role !== 'system') };
}

export const CHAT_TEMPLATES: Record<string, ChatTemplate> = {
  chatml: {
    name: 'chatml',
    render: byTurns((role) => `<|im_start|>${role}\n`, '<|im_end|>\n', '<|im_start|>assistant\n'),
  },
  llama3: {
    name: 'llama3',
    render: (messages) =>
      '<|begin_of_text|>' +
      byTurns(
        (role) => `<|start_header_id|>${role}<|end_header_id|>\n\n`,
        '<|eot_id|>',
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
      )(messages),
  },
  gemma: {
    name: 'gemma',
    render: (messages) => {
      const { system, rest } = systemFolded(messages);
      const turns = rest.map((m, i) => {
        const content = i === 0 && system ? `${system}\n\n${m.content}` : m.content;
        return `<start_of_turn>${m.role === 'assistant' ? 'model' : 'user'}\n${content}<end_of_turn>\n`;
      });
      return `<bos>${turns.join('')}<start_of_turn>model\n`;
    },
  },
  mistral: {
    name: 'mistral',
    render: (messages) => {
      const { system, rest } = systemFolded(messages);
      return (
        '<s>' +
        rest
          .map((m, i) =>
            m.role === 'user'
              ? `[INST] ${i === 0 && system ? `${system}\n\n` : ''}${m.content} [/INST]`
              : `${m.content}</s>`,
          )
          .join('')
      );
    },
  },
  plain: {
    name: 'plain',
    render: (messages) =>
      `${messages.map((m) => `${m.role === 'user' ? 'User' : m.role === 'system' ? 'System' : 'Assistant'}: ${m.content}\n`).join('')}Assistant:`,
  },
  /** A product's own layout, as a company wrapping a base model might write it. */
  house: {
    name: 'house',
    render: byTurns(
      (role) => `### ${role === 'system' ? 'Policy' : role === 'user' ? 'Customer' : 'Aurora'} ###\n`,
      '\n### end ###\n',
      '### Aurora ###\n',
    ),
  },
};

export function chatTemplate(name: string): ChatTemplate {
  const template = CHAT_TEMPLATES[name];
  if (!template)
    throw new UserError(`unknown chat template "${name}"; expected one of ${Object.keys(CHAT_TEMPLATES).join(', ')}`);
  return template;
}
