/**
 * White-box comparison of two tokenizers: are they identical, is one derived from the other
 * (extended vocabulary, added tokens, removed merges, changed pre-tokenizer), or unrelated?
 * Pure: two loaded tokenizers in, a report out.
 */
import type { AddedToken, Tokenizer } from './tokenizer.js';

export type Verdict = 'identical' | 'derived' | 'unrelated';

/**
 * Cut-offs, set in the wide gaps measured on real tokenizer pairs:
 * - base-vocabulary containment: same lineage >= 0.989 (Qwen2.5 from cl100k, which dropped 1,100
 *   multi-digit tokens), else 1.0; different lineage <= 0.706 (Gemma 2 vs Gemma 3, the closest seen),
 *   0.55-0.67 for Llama 3, DeepSeek V3, Qwen2.5 and Gemma 3 against each other;
 * - id agreement: derivatives that keep ids >= 0.9998; Qwen2.5 renumbered cl100k (0.004);
 *   different lineage <= 0.0002;
 * - merge order (longest common order over tie groups): same lineage >= 0.9977 (Gemma 2 vs the older
 *   Gemma file, whose converter ordered tied merges differently); different lineage <= 0.0174.
 *   Spearman correlation is reported but not used: unrelated pairs reach 0.82.
 */
export const THRESHOLDS = {
  /** Share of the base side's vocabulary (by bytes) the other side must contain. */
  containment: 0.9,
  /** Share of the base side's vocabulary ids that must hold the same bytes on the other side, */
  idAgreement: 0.9,
  /** or, when ids were renumbered, share of the common merges that must keep their relative order. */
  mergeOrder: 0.9,
} as const;

/** Strings where tokenizers of different lineage part ways. Labels name them in reports. */
export const PROBE_STRINGS: readonly { label: string; text: string }[] = [
  { label: 'english', text: 'The quick brown fox jumps over the lazy dog.' },
  { label: 'contractions', text: "I'm sure they'll say it's fine, won't they? WE'VE DONE IT." },
  { label: 'cjk-zh', text: '机器学习模型的分词器决定了计费的令牌数量。' },
  { label: 'cjk-ja', text: 'トークナイザーは日本語の文章をどのように分割しますか？' },
  { label: 'hangul', text: '토크나이저는 한국어 문장을 어떻게 나눕니까?' },
  { label: 'emoji-zwj', text: 'family 👨‍👩‍👧‍👦, flags 🇯🇵🇫🇷, skin 👋🏽, keycap 1️⃣' },
  { label: 'digits', text: '3.14159265358979 1234567890 2024-11-05 1,000,000 007' },
  { label: 'other-numbers', text: '½ ² ① Ⅻ ٣٤٥ ९८७' },
  { label: 'spaces', text: 'a  b   c    d\t\te\u00a0f\u3000g' },
  { label: 'newlines', text: 'line one\n\n\nline two\r\n\r\n    indented\n\t\ttabbed\n' },
  { label: 'code-python', text: 'def f(x):\n    return [i ** 2 for i in range(x) if i % 3 == 0]\n' },
  { label: 'code-js', text: 'const y = await fetch(`/api/${id}`).then((r) => r.json()); // ok' },
  { label: 'arabic', text: 'مرحبا بالعالم، كيف حالك اليوم؟' },
  { label: 'thai', text: 'ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ' },
  { label: 'devanagari', text: 'नमस्ते दुनिया, आप कैसे हैं?' },
  { label: 'cyrillic', text: 'Привет, как дела? Всё хорошо.' },
  { label: 'special-chatml', text: '<|im_start|>user\nhi<|im_end|><|endoftext|>' },
  { label: 'special-llama', text: '<|begin_of_text|><|start_header_id|>system<|end_header_id|><|eot_id|>' },
  {
    label: 'special-misc',
    text: '<s>[INST] <<SYS>> </s> <bos><start_of_turn>user<end_of_turn> <think></think> <unk> <pad>',
  },
  { label: 'urls', text: 'https://example.com/path?query=1&b=%20x#frag user@example.org' },
  { label: 'symbols', text: '→ ∀x∈ℝ: x² ≥ 0 — “quoted” ‘single’ … ©®™ ¯\\_(ツ)_/¯' },
  { label: 'repeats', text: '!!!!!!!!!!!!!!!!........--------========############' },
  { label: 'mixed-case', text: 'camelCaseIdentifier snake_case_name SCREAMING_CASE kebab-case-name' },
  { label: 'combining', text: 'e\u0301 n\u0303 Å A\u030a ﬁ ｆｕｌｌｗｉｄｔｈ' },
];

export interface VocabularyOverlap {
  /** Distinct base-vocabulary byte strings on each side (added tokens excluded). */
  a: number;
  b: number;
  shared: number;
  jaccard: number;
  /** |A∩B| / |A| and |A∩B| / |B|. */
  aInB: number;
  bInA: number;
}

export interface IdAgreement {
  /** Ids below min(vocabSize) compared, and how many map to the same bytes on both sides. */
  compared: number;
  agreeing: number;
  agreement: number;
}

export interface MergeComparison {
  a: number;
  b: number;
  shared: number;
  aInB: number;
  bInA: number;
  /** Largest share of the common merges that appear in the same relative order on both sides. */
  orderAgreement: number;
  /** Spearman rank correlation of the common merges' ranks. */
  rankCorrelation: number;
}

export interface AddedTokenDiff {
  a: number;
  b: number;
  onlyA: AddedToken[];
  onlyB: AddedToken[];
  /** Same content, different id or special flag. */
  changed: { content: string; a: AddedToken; b: AddedToken }[];
}

export interface EncodingAgreement {
  strings: number;
  sameSegmentation: number;
  agreement: number;
  sameIds: number;
  /** Labels of the probe strings whose segmentations differ. */
  differing: string[];
}

/** What the derived side changed relative to the base, counted. */
export interface Delta {
  /** Base-vocabulary byte strings the derived side has and the base lacks altogether. */
  vocabularyAdded: number;
  /** Base-vocabulary byte strings of the base that the derived side lacks altogether. */
  vocabularyRemoved: number;
  /** Base-vocabulary tokens the derived side keeps, but as added tokens. */
  refiledAsAdded: number;
  /** Base ids (below both sides' sizes) whose bytes differ. */
  idsChanged: number;
  mergesAdded?: number;
  mergesRemoved?: number;
  addedTokensMore: AddedToken[];
  addedTokensDropped: AddedToken[];
  addedTokensChanged: number;
  preTokenizerChanged: boolean;
  normalizerChanged: boolean;
}

export interface Comparison {
  verdict: Verdict;
  /** For `derived`: which side is the base ('a' or 'b'); absent when neither is a superset of the other. */
  base?: 'a' | 'b';
  /** One line: the verdict with its main reason. */
  summary: string;
  /** For `derived`, what the other side changed relative to the base; for `identical`, tolerated differences. */
  changes: string[];
  /** For `derived`: the changes counted. */
  delta?: Delta;
  /**
   * Both sides have the same vocabulary (every token at the same id) and the same merges: one tokenizer
   * whatever else changed (pre-tokenizer, normalizer, special tokens), so the lineage is settled.
   */
  sameVocabularyAndMerges: boolean;
  vocabSize: { a: number; b: number };
  /** Overlap of the base vocabularies (the model's own tokens, added tokens excluded). */
  vocabulary: VocabularyOverlap;
  /** Overlap of every token, added tokens included. */
  allTokens: VocabularyOverlap;
  ids: IdAgreement;
  /** Agreement over the base side's vocabulary ids only (added tokens excluded). */
  baseIds: IdAgreement;
  /** Absent when either side's loader exposes no merges. */
  merges?: MergeComparison;
  /** undefined when either side's loader does not expose it. */
  normalizerEqual?: boolean;
  preTokenizerEqual?: boolean;
  addedTokens: AddedTokenDiff;
  encoding: EncodingAgreement;
}

/** Token bytes as a string of char codes 0-255 (latin1 maps each byte to one code unit), so sets and maps can key on them. */
export function byteKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Added tokens as the loader knows them; without structure, the special tokens stand in. With
 * `specialOnly`, only special tokens count, so a side with structure compares fairly to one without.
 */
export function addedTokensOf(tokenizer: Tokenizer, specialOnly = false): readonly AddedToken[] {
  const added = tokenizer.structure?.addedTokens;
  if (added) return specialOnly ? added.filter((t) => t.special) : added;
  return tokenizer.specialTokens.map((t) => ({ id: t.id, content: t.content, special: true }));
}

/** Byte keys of every id (undefined where the id is unused), and which ids are added tokens. */
export interface VocabularyView {
  keys: (string | undefined)[];
  addedIds: ReadonlySet<number>;
}

export function vocabularyView(
  tokenizer: Tokenizer,
  added: readonly AddedToken[] = addedTokensOf(tokenizer),
): VocabularyView {
  const keys: (string | undefined)[] = new Array(tokenizer.vocabSize);
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const bytes = tokenizer.tokenBytes(id);
    if (bytes) keys[id] = byteKey(bytes);
  }
  return { keys, addedIds: new Set(added.map((t) => t.id)) };
}

/** The distinct byte strings of the model's own vocabulary, added tokens left out. */
export function baseKeys(view: VocabularyView): Set<string> {
  const out = new Set<string>();
  view.keys.forEach((key, id) => key !== undefined && !view.addedIds.has(id) && out.add(key));
  return out;
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 1 : part / whole;
}

function overlap(setA: ReadonlySet<string>, setB: ReadonlySet<string>): VocabularyOverlap {
  let shared = 0;
  for (const key of setA) if (setB.has(key)) shared++;
  const union = setA.size + setB.size - shared;
  return {
    a: setA.size,
    b: setB.size,
    shared,
    jaccard: ratio(shared, union),
    aInB: ratio(shared, setA.size),
    bInA: ratio(shared, setB.size),
  };
}

function idAgreement(a: VocabularyView, b: VocabularyView, onlyBaseOf?: VocabularyView): IdAgreement {
  const limit = Math.min(a.keys.length, b.keys.length);
  let compared = 0;
  let agreeing = 0;
  for (let id = 0; id < limit; id++) {
    if (onlyBaseOf && (onlyBaseOf.keys[id] === undefined || onlyBaseOf.addedIds.has(id))) continue;
    if (a.keys[id] === undefined && b.keys[id] === undefined) continue;
    compared++;
    if (a.keys[id] === b.keys[id]) agreeing++;
  }
  return { compared, agreeing, agreement: ratio(agreeing, compared) };
}

/**
 * Each merge as the interned ids of its two parts' bytes (interned across both sides, so different
 * vocabulary alphabets compare), with the rank of the first merge producing the same token: merges
 * that build one token are tied, and converters order ties differently.
 */
interface MergeView {
  left: Int32Array;
  right: Int32Array;
  group: Int32Array;
}

function mergeView(tokenizer: Tokenizer, view: VocabularyView, intern: Map<string, number>): MergeView | undefined {
  const ids = tokenizer.structure?.mergeIds;
  if (!ids) return undefined;
  const internOf = new Int32Array(view.keys.length).fill(-1);
  view.keys.forEach((key, id) => {
    if (key === undefined) return;
    let n = intern.get(key);
    if (n === undefined) intern.set(key, (n = intern.size));
    internOf[id] = n;
  });
  // A part outside the vocabulary is kept apart from every real token (U+0101 cannot occur in a byte key).
  let unknown = intern.get('\u0101');
  if (unknown === undefined) intern.set('\u0101', (unknown = intern.size));
  const count = ids.length >> 1;
  const left = new Int32Array(count);
  const right = new Int32Array(count);
  const group = new Int32Array(count);
  const firstRank = new Map<string, number>();
  for (let rank = 0; rank < count; rank++) {
    const l = ids[2 * rank];
    const r = ids[2 * rank + 1];
    left[rank] = l >= 0 && internOf[l] >= 0 ? internOf[l] : unknown;
    right[rank] = r >= 0 && internOf[r] >= 0 ? internOf[r] : unknown;
    const keyL = view.keys[l];
    const keyR = view.keys[r];
    const result = keyL === undefined || keyR === undefined ? undefined : keyL + keyR;
    const first = result === undefined ? undefined : firstRank.get(result);
    if (result !== undefined && first === undefined) firstRank.set(result, rank);
    group[rank] = first ?? rank;
  }
  return { left, right, group };
}

/** Open-addressing map from a pair of small non-negative ints to the first index stored for it. */
class PairIndex {
  private readonly lefts: Int32Array;
  private readonly rights: Int32Array;
  private readonly values: Int32Array;
  private readonly mask: number;
  size = 0;

  constructor(capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.lefts = new Int32Array(slots).fill(-1);
    this.rights = new Int32Array(slots);
    this.values = new Int32Array(slots);
    this.mask = slots - 1;
  }

  private slot(l: number, r: number): number {
    let i = (Math.imul(l, 0x9e3779b1) ^ Math.imul(r + 0x7f4a7c15, 0x85ebca77)) & this.mask;
    while (this.lefts[i] !== -1 && (this.lefts[i] !== l || this.rights[i] !== r)) i = (i + 1) & this.mask;
    return i;
  }

  get(l: number, r: number): number | undefined {
    const i = this.slot(l, r);
    return this.lefts[i] === -1 ? undefined : this.values[i];
  }

  /** Stores `value` unless the pair is already there; tells whether it was new. */
  add(l: number, r: number, value: number): boolean {
    const i = this.slot(l, r);
    if (this.lefts[i] !== -1) return false;
    this.lefts[i] = l;
    this.rights[i] = r;
    this.values[i] = value;
    this.size++;
    return true;
  }
}

/** Length of the longest non-decreasing subsequence (patience sorting). */
function longestNonDecreasing(values: ArrayLike<number>): number {
  const tails: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid] <= value) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = value;
  }
  return tails.length;
}

function compareMerges(a: MergeView, b: MergeView): MergeComparison {
  const indexA = new PairIndex(a.left.length);
  for (let i = 0; i < a.left.length; i++) indexA.add(a.left[i], a.right[i], i);
  const seenB = new PairIndex(b.left.length);
  // Common merges in B's order: their rank in A, and (B's tie group, A's tie group) packed in one exact double.
  const ranksA: number[] = [];
  const groups: number[] = [];
  for (let j = 0; j < b.left.length; j++) {
    if (!seenB.add(b.left[j], b.right[j], j)) continue;
    const i = indexA.get(b.left[j], b.right[j]);
    if (i === undefined) continue;
    ranksA.push(i);
    groups.push(b.group[j] * 2 ** 26 + a.group[i]);
  }
  const shared = ranksA.length;
  // Order within tied groups is not evidence either way, so B's ties are taken in A's order.
  const sortedGroups = Float64Array.from(groups).sort();
  const inOrder = longestNonDecreasing(sortedGroups.map((g) => g % 2 ** 26));
  // Spearman over raw ranks among the common merges; divided by n first so the sum stays exact enough.
  const positionOfRankA = new Int32Array(a.left.length);
  Int32Array.from(ranksA)
    .sort()
    .forEach((rank, position) => (positionOfRankA[rank] = position));
  let sum = 0;
  ranksA.forEach((rank, positionB) => {
    const d = (positionOfRankA[rank] - positionB) / shared;
    sum += d * d;
  });
  const rankCorrelation = shared < 2 ? shared : 1 - (6 * sum) / (shared * (1 - 1 / (shared * shared)));
  return {
    a: indexA.size,
    b: seenB.size,
    shared,
    aInB: ratio(shared, indexA.size),
    bInA: ratio(shared, seenB.size),
    orderAgreement: ratio(inOrder, shared),
    rankCorrelation,
  };
}

/** JSON with sorted keys, so two files that differ only in key order compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

function structureEqual(a: Tokenizer, b: Tokenizer, member: 'normalizer' | 'preTokenizer'): boolean | undefined {
  if (!a.structure || !b.structure || !(member in a.structure) || !(member in b.structure)) return undefined;
  return canonicalJson(a.structure[member] ?? null) === canonicalJson(b.structure[member] ?? null);
}

function diffAddedTokens(a: readonly AddedToken[], b: readonly AddedToken[]): AddedTokenDiff {
  const byContentB = new Map(b.map((t) => [t.content, t]));
  const byContentA = new Map(a.map((t) => [t.content, t]));
  const changed: AddedTokenDiff['changed'] = [];
  for (const tokenA of a) {
    const tokenB = byContentB.get(tokenA.content);
    if (tokenB && (tokenB.id !== tokenA.id || tokenB.special !== tokenA.special))
      changed.push({ content: tokenA.content, a: tokenA, b: tokenB });
  }
  return {
    a: a.length,
    b: b.length,
    onlyA: a.filter((t) => !byContentB.has(t.content)),
    onlyB: b.filter((t) => !byContentA.has(t.content)),
    changed,
  };
}

function compareEncodings(a: Tokenizer, b: Tokenizer, viewA: VocabularyView, viewB: VocabularyView): EncodingAgreement {
  let sameSegmentation = 0;
  let sameIds = 0;
  const differing: string[] = [];
  // U+0100 cannot occur in a byte key, so it separates pieces unambiguously.
  const pieces = (ids: number[], view: VocabularyView) => ids.map((id) => view.keys[id] ?? `#${id}`).join('\u0100');
  for (const probe of PROBE_STRINGS) {
    const idsA = a.encode(probe.text);
    const idsB = b.encode(probe.text);
    if (pieces(idsA, viewA) === pieces(idsB, viewB)) sameSegmentation++;
    else differing.push(probe.label);
    if (idsA.length === idsB.length && idsA.every((id, i) => id === idsB[i])) sameIds++;
  }
  return {
    strings: PROBE_STRINGS.length,
    sameSegmentation,
    agreement: ratio(sameSegmentation, PROBE_STRINGS.length),
    sameIds,
    differing,
  };
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(x > 0.999 && x < 1 ? 2 : 1)}%`;
}

export interface CompareOptions {
  /** Names for the two sides in the summary and change list (default `A` and `B`). */
  labels?: { a: string; b: string };
}

export function compareTokenizers(a: Tokenizer, b: Tokenizer, options: CompareOptions = {}): Comparison {
  const labels = options.labels ?? { a: 'A', b: 'B' };
  const specialOnly = !a.structure?.addedTokens || !b.structure?.addedTokens;
  const addedA = addedTokensOf(a, specialOnly);
  const addedB = addedTokensOf(b, specialOnly);
  const viewA = vocabularyView(a, addedA);
  const viewB = vocabularyView(b, addedB);
  const baseA = baseKeys(viewA);
  const baseB = baseKeys(viewB);
  const allA = new Set(viewA.keys.filter((k) => k !== undefined));
  const allB = new Set(viewB.keys.filter((k) => k !== undefined));
  const vocabulary = overlap(baseA, baseB);
  const allTokens = overlap(allA, allB);
  const ids = idAgreement(viewA, viewB);
  const intern = new Map<string, number>();
  const mergesA = mergeView(a, viewA, intern);
  const mergesB = mergeView(b, viewB, intern);
  const merges = mergesA && mergesB ? compareMerges(mergesA, mergesB) : undefined;
  const normalizerEqual = structureEqual(a, b, 'normalizer');
  const preTokenizerEqual = structureEqual(a, b, 'preTokenizer');
  const addedTokens = diffAddedTokens(addedA, addedB);
  const encoding = compareEncodings(a, b, viewA, viewB);

  // The base is the side the other contains, counting added tokens too: a loader may file one token
  // as vocabulary on one side and as an added token on the other. With equal sets, the smaller side.
  let base: 'a' | 'b' | undefined;
  if (allTokens.aInB !== allTokens.bInA) base = allTokens.aInB > allTokens.bInA ? 'a' : 'b';
  else if (a.vocabSize !== b.vocabSize) base = a.vocabSize < b.vocabSize ? 'a' : 'b';
  const baseIds = idAgreement(viewA, viewB, base === 'b' ? viewB : viewA);
  const measured: Measured = {
    vocabSize: { a: a.vocabSize, b: b.vocabSize },
    vocabulary,
    allTokens,
    ids,
    baseIds,
    merges,
    normalizerEqual,
    preTokenizerEqual,
    addedTokens,
    encoding,
  };

  const nonSpecialDiffers =
    addedTokens.onlyA.some((t) => !t.special) ||
    addedTokens.onlyB.some((t) => !t.special) ||
    addedTokens.changed.some((c) => !c.a.special || !c.b.special);
  const sameVocabulary = vocabulary.jaccard === 1 && baseIds.agreement === 1 && baseA.size === baseB.size;
  const sameMerges =
    !merges || (merges.shared === merges.a && merges.shared === merges.b && merges.orderAgreement === 1);
  const sameRules = normalizerEqual !== false && preTokenizerEqual !== false;
  if (
    a.contentHash === b.contentHash ||
    (sameVocabulary && sameMerges && sameRules && encoding.agreement === 1 && !nonSpecialDiffers)
  ) {
    const changes = specialDifferences(addedTokens, labels);
    const note = changes.length ? `; special tokens differ (${changes.join(', ')})` : '';
    return {
      verdict: 'identical',
      summary: `identical: same vocabulary, merges and segmentation${note}`,
      changes,
      sameVocabularyAndMerges: sameVocabulary && sameMerges,
      ...measured,
    };
  }

  // Same tokens at the same ids and the same merges: derived whatever the rules now say, and from this side only.
  if (sameVocabulary && sameMerges) {
    const delta = derivedDelta(base ?? 'a', measured, { a: { base: baseA, all: allA }, b: { base: baseB, all: allB } });
    const changes = describeDelta(delta, measured);
    const who = base
      ? `${labels[base === 'a' ? 'b' : 'a']} is derived from ${labels[base]}`
      : `${labels.a} and ${labels.b} have the same vocabulary and merges`;
    const summary = `derived: ${who} (${changes.join('; ')})`;
    return { verdict: 'derived', base, summary, changes, delta, sameVocabularyAndMerges: true, ...measured };
  }

  const containment = base === 'b' ? vocabulary.bInA : vocabulary.aInB;
  const mergeContainment = merges ? (base === 'b' ? merges.bInA : merges.aInB) : 0;
  const orderHolds =
    !!merges && mergeContainment >= THRESHOLDS.containment && merges.orderAgreement >= THRESHOLDS.mergeOrder;
  if (containment >= THRESHOLDS.containment && (baseIds.agreement >= THRESHOLDS.idAgreement || orderHolds)) {
    const sets = { a: { base: baseA, all: allA }, b: { base: baseB, all: allB } };
    const delta = derivedDelta(base ?? 'a', measured, sets);
    const changes = describeDelta(delta, measured);
    const who = base
      ? `${labels[base === 'a' ? 'b' : 'a']} is derived from ${labels[base]}`
      : `${labels.a} and ${labels.b} share one base vocabulary`;
    return {
      verdict: 'derived',
      base,
      summary: `derived: ${who} (${changes.join('; ')})`,
      changes,
      delta,
      sameVocabularyAndMerges: false,
      ...measured,
    };
  }

  const most = Math.max(vocabulary.aInB, vocabulary.bInA);
  const why =
    most >= THRESHOLDS.containment
      ? `${percent(most)} of one vocabulary is in the other, but only ${percent(baseIds.agreement)} of its ids${merges ? ` and ${percent(merges.orderAgreement)} of the common merges' order` : ''} agree: reused tokens, not a derivative`
      : `vocabulary overlap ${percent(vocabulary.jaccard)} (Jaccard), at most ${percent(most)} of one side in the other`;
  return {
    verdict: 'unrelated',
    summary: `unrelated: ${why}`,
    changes: [],
    sameVocabularyAndMerges: false,
    ...measured,
  };
}

type Measured = Omit<Comparison, 'verdict' | 'base' | 'summary' | 'changes' | 'delta' | 'sameVocabularyAndMerges'>;

function specialDifferences(added: AddedTokenDiff, labels: { a: string; b: string }): string[] {
  const out: string[] = [];
  if (added.onlyA.length) out.push(`${plural(added.onlyA.length, 'special token')} only in ${labels.a}`);
  if (added.onlyB.length) out.push(`${plural(added.onlyB.length, 'special token')} only in ${labels.b}`);
  if (added.changed.length) out.push(`${plural(added.changed.length, 'special token')} with a different id`);
  return out;
}

type KeySets = Record<'a' | 'b', { base: ReadonlySet<string>; all: ReadonlySet<string> }>;

function derivedDelta(base: 'a' | 'b', m: Measured, sets: KeySets): Delta {
  const { base: baseVocab, all: baseAll } = sets[base];
  const { base: otherVocab, all: otherAll } = sets[base === 'a' ? 'b' : 'a'];
  let vocabularyAdded = 0;
  let vocabularyRemoved = 0;
  let refiledAsAdded = 0;
  for (const key of otherVocab) if (!baseAll.has(key)) vocabularyAdded++;
  for (const key of baseVocab) {
    if (otherVocab.has(key)) continue;
    if (otherAll.has(key)) refiledAsAdded++;
    else vocabularyRemoved++;
  }
  const [baseMerges, otherMerges] = m.merges
    ? base === 'a'
      ? [m.merges.a, m.merges.b]
      : [m.merges.b, m.merges.a]
    : [];
  const [more, dropped] =
    base === 'a' ? [m.addedTokens.onlyB, m.addedTokens.onlyA] : [m.addedTokens.onlyA, m.addedTokens.onlyB];
  return {
    vocabularyAdded,
    vocabularyRemoved,
    refiledAsAdded,
    idsChanged: m.baseIds.compared - m.baseIds.agreeing,
    ...(m.merges && { mergesAdded: otherMerges! - m.merges.shared, mergesRemoved: baseMerges! - m.merges.shared }),
    addedTokensMore: more,
    addedTokensDropped: dropped,
    addedTokensChanged: m.addedTokens.changed.length,
    preTokenizerChanged: m.preTokenizerEqual === false,
    normalizerChanged: m.normalizerEqual === false,
  };
}

/** The delta as short phrases, most telling first. */
function describeDelta(d: Delta, m: Measured): string[] {
  const out: string[] = [];
  if (d.vocabularyAdded) out.push(`${plural(d.vocabularyAdded, 'vocabulary token')} added`);
  if (d.vocabularyRemoved) out.push(`${plural(d.vocabularyRemoved, 'vocabulary token')} removed`);
  if (d.refiledAsAdded) out.push(`${plural(d.refiledAsAdded, 'vocabulary token')} re-filed as added tokens`);
  if (d.idsChanged) out.push(`${plural(d.idsChanged, 'base id')} holding other bytes`);
  if (d.mergesAdded) out.push(`${plural(d.mergesAdded, 'merge')} added`);
  if (d.mergesRemoved) out.push(`${plural(d.mergesRemoved, 'merge')} removed`);
  if (m.merges && m.merges.orderAgreement < 1)
    out.push(`merge order changed (${percent(m.merges.orderAgreement)} of common merges keep their order)`);
  if (d.addedTokensMore.length)
    out.push(`${plural(d.addedTokensMore.length, 'added token')} more (${sample(d.addedTokensMore)})`);
  if (d.addedTokensDropped.length)
    out.push(`${plural(d.addedTokensDropped.length, 'added token')} dropped (${sample(d.addedTokensDropped)})`);
  if (d.addedTokensChanged)
    out.push(`${plural(d.addedTokensChanged, 'added token')} with a changed id or special flag`);
  if (d.preTokenizerChanged) out.push('pre-tokenizer changed');
  if (d.normalizerChanged) out.push('normalizer changed');
  if (!out.length) out.push(`segmentation differs on ${m.encoding.differing.join(', ')}`);
  return out;
}

function sample(tokens: AddedToken[], max = 4): string {
  const shown = tokens.slice(0, max).map((t) => JSON.stringify(t.content));
  return tokens.length > max ? `${shown.join(', ')}, …` : shown.join(', ');
}
