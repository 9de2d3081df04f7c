/**
 * Pre-tokenizer split regexes for byte-level BPE GGUF files, by their `tokenizer.ggml.pre` name, as llama.cpp
 * (src/llama-vocab.cpp) applies them: each regex splits the pieces the previous one produced. Where llama.cpp
 * rewrites a tokenizer.json regex for its own engine, the tokenizer.json original is kept here.
 */
export interface GgufPreTokenizer {
  patterns: readonly string[];
  /** llama.cpp looks whole pieces up in the vocabulary before merging (Llama 3, tekken). */
  ignoreMerges: boolean;
}

const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const LLAMA3 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN35 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const DEEPSEEK3 = [
  '\\p{N}{1,3}',
  '[一-龥぀-ゟ゠-ヿ]+',
  '[!"#$%&\'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+',
];
const TEKKEN =
  '[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';
const GPT4O =
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
// Kimi K2's pattern (Python `regex` syntax with class intersection) restated without intersection: a letter that is not Han.
const NOT_HAN_UPPER = '(?:(?!\\p{Script=Han})[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}])';
const NOT_HAN_LOWER = '(?:(?!\\p{Script=Han})[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}])';
const KIMI_K2 = [
  '\\p{Script=Han}+',
  `[^\\r\\n\\p{L}\\p{N}]?${NOT_HAN_UPPER}*${NOT_HAN_LOWER}+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
  `[^\\r\\n\\p{L}\\p{N}]?${NOT_HAN_UPPER}+${NOT_HAN_LOWER}*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
  '\\p{N}{1,3}',
  ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*',
  '\\s*[\\r\\n]+',
  '\\s+(?!\\S)',
  '\\s+',
].join('|');

const table: [names: string[], pre: GgufPreTokenizer][] = [
  [['default'], { patterns: ['[\\p{P}\\$\\+<=>\\^~\\|]+', GPT2, '\\p{N}+', '[0-9][0-9][0-9]'], ignoreMerges: false }],
  [
    ['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'falcon-h1', 'pixtral', 'midm-2.0', 'lfm2'],
    { patterns: [LLAMA3], ignoreMerges: true },
  ],
  [['dbrx', 'smaug-bpe', 'glm4', 'chatglm-bpe'], { patterns: [LLAMA3], ignoreMerges: false }],
  [
    ['deepseek-llm'],
    {
      patterns: [
        '[\r\n]',
        '\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\\u{1F7D}ᾀ-ᾴᾶ-ᾼ\\u{1FBE}ῂ-ῄῆ-ῌῐ-\\u{1FD3}ῖ-\\u{1FDB}ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\\u{2126}ℨ\\u{212A}-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+',
        '\\s?[!-/:-~！-／：-～‘-‟　-。]+',
        '\\s+$',
        '[一-龥ࠀ-一가-퟿]+',
        '\\p{N}+',
      ],
      ignoreMerges: false,
    },
  ],
  [
    ['deepseek-coder'],
    { patterns: ['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[一-龥ࠀ-一가-퟿]+', '\\p{N}'], ignoreMerges: false },
  ],
  [['deepseek-v3', 'hunyuan-dense'], { patterns: DEEPSEEK3, ignoreMerges: false }],
  [['falcon'], { patterns: ['[\\p{P}\\$\\+<=>\\^~\\|`]+', GPT2, '[0-9][0-9][0-9]'], ignoreMerges: false }],
  [
    [
      'gpt-2',
      'phi-2',
      'mpt',
      'olmo',
      'jais',
      'jina-es',
      'jina-de',
      'jina-v2-es',
      'jina-v2-de',
      'gigachat',
      'a.x-4.0',
      'mellum',
      'exaone4',
      'trillion',
      'granite-docling',
    ],
    { patterns: [GPT2], ignoreMerges: false },
  ],
  [
    ['starcoder', 'refact', 'command-r', 'smollm', 'codeshell', 'exaone', 'minerva-7b'],
    { patterns: ['\\p{N}', GPT2], ignoreMerges: false },
  ],
  [
    ['qwen2', 'deepseek-r1-qwen', 'kormo', 'stablelm2', 'megrez', 'hunyuan', 'grok-2'],
    { patterns: [QWEN2], ignoreMerges: false },
  ],
  [['qwen35'], { patterns: [QWEN35], ignoreMerges: false }],
  [['poro-chat', 'bloom', 'gpt3-finnish'], { patterns: [' ?[^(\\s|.,!?…。，、।۔،)]+'], ignoreMerges: false }],
  [['tekken'], { patterns: [TEKKEN], ignoreMerges: true }],
  [['gpt-4o', 'llama4', 'minimax-m2'], { patterns: [GPT4O], ignoreMerges: false }],
  [['kimi-k2'], { patterns: [KIMI_K2], ignoreMerges: false }],
  [
    ['bailingmoe', 'bailingmoe2', 'llada-moe'],
    {
      patterns: [
        "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+",
      ],
      ignoreMerges: false,
    },
  ],
  [
    ['seed-coder'],
    {
      patterns: [
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      ],
      ignoreMerges: false,
    },
  ],
];

const byName = new Map(table.flatMap(([names, pre]) => names.map((name) => [name, pre] as const)));

/** The known `tokenizer.ggml.pre` names. */
export const GGUF_PRE_NAMES: readonly string[] = [...byName.keys()];

export function ggufPreTokenizer(name: string): GgufPreTokenizer | undefined {
  return byName.get(name);
}
