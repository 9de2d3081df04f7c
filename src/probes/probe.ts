/** A string sent inside a request because tokenizers disagree on how many tokens it is. */
export interface Probe {
  id: string;
  text: string;
  category: ProbeCategory;
  /** Why this string separates tokenizers. */
  why: string;
  /** `handwritten`, or `mined` from a reference's vocabulary. */
  source: 'handwritten' | 'mined';
  /** For mined probes: the reference whose vocabulary it came from (for words many vocabularies share, the families holding them), and the miner's seed. */
  from?: string;
  seed?: number;
}

export type ProbeCategory =
  | 'digits'
  | 'whitespace'
  | 'punctuation'
  | 'code'
  | 'words'
  | 'cjk'
  | 'indic'
  | 'thai'
  | 'arabic'
  | 'cyrillic'
  | 'other-script'
  | 'emoji'
  | 'byte-fallback'
  | 'special-lookalike'
  | 'mined-latin'
  | 'mined-script';

/**
 * Packs draw from one stratum at a time, so that a modified tokenizer (new words, a changed digit rule)
 * usually leaves at least one stratum untouched and still fits its base exactly there.
 */
export type Stratum = 'structure' | 'words' | 'scripts';

export const STRATA: readonly Stratum[] = ['words', 'scripts', 'structure'];

export function stratumOf(category: ProbeCategory): Stratum {
  switch (category) {
    case 'digits':
    case 'whitespace':
    case 'punctuation':
    case 'special-lookalike':
      return 'structure';
    case 'words':
    case 'code':
    case 'mined-latin':
      return 'words';
    default:
      return 'scripts';
  }
}
