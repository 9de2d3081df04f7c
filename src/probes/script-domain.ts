/**
 * The scripts a team extends a vocabulary with, as one letter of each reads. A probe belongs to the
 * script most of its letters are in, whatever stratum or miner it came from.
 */
export const SCRIPT_DOMAINS: readonly { name: string; letter: RegExp }[] = [
  { name: 'latin', letter: /\p{Script=Latin}/u },
  { name: 'cyrillic', letter: /\p{Script=Cyrillic}/u },
  { name: 'cjk', letter: /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u },
  {
    name: 'indic',
    letter:
      /[\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Gujarati}\p{Script=Kannada}\p{Script=Malayalam}\p{Script=Gurmukhi}\p{Script=Oriya}\p{Script=Sinhala}]/u,
  },
  { name: 'arabic', letter: /\p{Script=Arabic}/u },
  { name: 'thai', letter: /[\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u },
  { name: 'greek-hebrew', letter: /[\p{Script=Greek}\p{Script=Hebrew}\p{Script=Armenian}\p{Script=Georgian}]/u },
];

/** Share of a text's letters its script must hold: a probe mixing scripts says little about any one of them. */
const DOMINANT = 0.8;

/** The script holding nearly all of the text's letters, or undefined when it has none or mixes scripts. */
export function scriptDomain(text: string): string | undefined {
  let domain = domainByText.get(text);
  if (domain === undefined && !domainByText.has(text)) {
    // bounded: an edge check asks about every unsent pool probe, a miner may ask about any word
    if (domainByText.size >= 100_000) domainByText.clear();
    domain = textDomain(text);
    domainByText.set(text, domain);
  }
  return domain;
}

const domainByText = new Map<string, string | undefined>();

function textDomain(text: string): string | undefined {
  const counts = new Array<number>(SCRIPT_DOMAINS.length).fill(0);
  for (const char of text) {
    const k = domainOf(char);
    if (k >= 0) counts[k]++;
  }
  const best = counts.indexOf(Math.max(...counts));
  const letters = counts.reduce((a, b) => a + b, 0);
  return letters > 0 && counts[best] >= DOMINANT * letters ? SCRIPT_DOMAINS[best].name : undefined;
}

/**
 * Each character's domain (its index in SCRIPT_DOMAINS, -1 for none), remembered per code point: an edge
 * check reads the script of every unsent probe, and seven Unicode property tests per character were a
 * tenth of identify's own time.
 */
const domainByCodePoint = new Map<number, number>();

function domainOf(char: string): number {
  const code = char.codePointAt(0)!;
  // ASCII has one script with letters, Latin, and only in A-Z and a-z
  if (code < 0x80) return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) ? 0 : -1;
  let k = domainByCodePoint.get(code);
  if (k === undefined) {
    k = SCRIPT_DOMAINS.findIndex((d) => d.letter.test(char));
    domainByCodePoint.set(code, k);
  }
  return k;
}
