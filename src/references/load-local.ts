import { createTokenizer } from './formats/index.js';
import type { ResolvedSource } from './local-source.js';
import { tiktokenSettings } from './store/tiktoken-presets.js';
import type { Tokenizer } from './tokenizer.js';

export interface LocalLoadOptions {
  /** For tiktoken rank files, which do not carry their split pattern: a named preset. */
  tiktokenPreset?: string;
}

/** Parses a resolved tokenizer source; tiktoken rank files take their pattern from a preset or the config beside them. */
export function loadResolvedSource(source: ResolvedSource, options: LocalLoadOptions = {}): Tokenizer {
  const { main, config } = source.files;
  const tiktoken =
    source.format === 'tiktoken'
      ? tiktokenSettings({ preset: options.tiktokenPreset, ranks: main.bytes, config: config?.bytes })
      : undefined;
  return createTokenizer(source.format, { main: main.bytes, ...(config && { config: config.bytes }) }, tiktoken);
}
