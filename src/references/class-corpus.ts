import type { Tokenizer } from './tokenizer.js';

/**
 * Ordinary text that exercises the places tokenizers differ: scripts, digits, whitespace, code, emoji.
 * Special-token text is left out on purpose: classes describe how ordinary user text is counted.
 */
export const TRICKY_STRINGS: readonly string[] = [
  'The quick brown fox jumps over the lazy dog.',
  'Hello, world! How are you doing today?',
  '  leading spaces and trailing spaces   ',
  'tabs\tand\nnewlines\n\n\nand\r\nCRLF',
  '1234567890 3.14159 1,000,000 2026-11-23 0x1F 1e-9',
  '12345678901234567890123456789012345678901234567890',
  'def fibonacci(n: int) -> int:\n    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)\n',
  'const x = arr.map((v, i) => v * i).filter(Boolean); // comment',
  '<div class="container"><span id=\'a\'>text</span></div>',
  '{"key": [1, 2, {"nested": null}], "ok": true}',
  '我们今天去公园散步，天气非常好。',
  '機械学習はとても面白いです。カタカナとひらがな。',
  '안녕하세요, 만나서 반갑습니다.',
  'مرحبا بالعالم، كيف حالك اليوم؟',
  'שלום עולם',
  'สวัสดีครับ ยินดีที่ได้รู้จัก',
  'नमस्ते दुनिया, आप कैसे हैं?',
  'Привет, мир! Как дела?',
  'Γειά σου Κόσμε',
  'Zürich, Ångström, façade, naïve, coöperate, Ærøskøbing',
  '🤖👨‍👩‍👧‍👦🏳️‍🌈👍🏽🇫🇷 emoji ✨🔥',
  '∑∫√∞≠≈ ½ ² ① ℃ ™ © ®',
  '................................',
  '-------------------------------------------',
  '====    ____    ****    ####',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'Supercalifragilisticexpialidocious antidisestablishmentarianism',
  "it's we're they've I'm you'll he'd IT'S WE'RE",
  'https://example.com/path?query=value&other=1#fragment',
  'user@example.org, +1 (555) 123-4567',
  '\u00a0non-breaking\u2009thin\u200bzero-width\ufeffbom',
  'Ｆｕｌｌｗｉｄｔｈ　ｓｐａｃｅ　１２３',
  'ﬁ ﬂ ligatures and Ⅻ roman',
];

/**
 * Vocabulary entries written like markup (`<unused99>`, `[toxicity=0]`, `<|im_end|>`) are control or
 * user-defined tokens in all but name; how they count depends on how an API treats special text.
 */
export function looksLikeControlToken(text: string): boolean {
  const trimmed = text.trim();
  return /<\|.*\|>/.test(trimmed) || /^<[^<>]+>$/.test(trimmed) || /^\[[^[\]]+\]$/.test(trimmed);
}

/** Sampled vocabulary entries (as UTF-8 text) from each tokenizer, so classes differing in rare tokens separate. */
export function vocabularySample(tokenizer: Tokenizer, count: number): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const specials = new Set(tokenizer.specialTokens.map((token) => token.id));
  const step = Math.max(1, Math.floor(tokenizer.vocabSize / count));
  const sample: string[] = [];
  for (let id = 0; id < tokenizer.vocabSize && sample.length < count; id += step) {
    if (specials.has(id)) continue;
    const bytes = tokenizer.tokenBytes(id);
    if (!bytes || bytes.length < 2) continue;
    try {
      const text = decoder.decode(bytes);
      if (!text.trim() || looksLikeControlToken(text)) continue;
      sample.push(text);
    } catch {
      // A token that is only part of a UTF-8 character cannot be sent as text.
    }
  }
  return sample;
}

/** Ids that are not part of the model's own vocabulary: special and added tokens. */
function addedIds(tokenizer: Tokenizer): Set<number> {
  return new Set([
    ...tokenizer.specialTokens.map((t) => t.id),
    ...(tokenizer.structure?.addedTokens ?? []).map((t) => t.id),
  ]);
}

/** Each base-vocabulary token's bytes, as a latin1 string so it can key a Set. */
export function baseVocabularyKeys(tokenizer: Tokenizer): Map<string, number> {
  const skip = addedIds(tokenizer);
  const keys = new Map<string, number>();
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    if (skip.has(id)) continue;
    const bytes = tokenizer.tokenBytes(id);
    if (bytes) keys.set(Buffer.from(bytes).toString('latin1'), id);
  }
  return keys;
}

/**
 * Text made of the base-vocabulary tokens one tokenizer has and the other lacks: where two otherwise
 * alike tokenizers must split text differently if they differ at all. Tokens that are not whole UTF-8
 * text are skipped, since they cannot be sent as text.
 */
export function vocabularyDifferenceTexts(a: Map<string, number>, b: Map<string, number>, limit = 5000): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const texts: string[] = [];
  for (const [mine, other] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const key of mine.keys()) {
      if (other.has(key)) continue;
      let text: string;
      try {
        text = decoder.decode(Buffer.from(key, 'latin1'));
      } catch {
        continue;
      }
      if (!looksLikeControlToken(text)) texts.push(text);
      if (texts.length >= limit) return texts;
    }
  }
  return texts;
}
