/** `[aA]` for a hex letter, the digit itself otherwise: servers percent- and `\u`-escape in either case. */
function hexDigits(byte: number, width: number): string {
  return byte
    .toString(16)
    .padStart(width, '0')
    .split('')
    .map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d))
    .join('');
}

/** HTML's named references for the characters error-page templates escape. */
const NAMED_ENTITIES: Record<string, string[]> = {
  '&': ['amp'],
  '"': ['quot'],
  "'": ['apos'],
  '<': ['lt'],
  '>': ['gt'],
  '/': ['sol'],
  '=': ['equals'],
  '+': ['plus'],
};

/** `&#47;`, `&#x2F;` (any case, leading zeros) or a named reference: how an HTML page may show one character. */
function htmlForms(char: string): string[] {
  const code = char.codePointAt(0)!;
  const decimal = `&#0*${code};`;
  const hex = `&#[xX]0*${hexDigits(code, 1)};`;
  return [decimal, hex, ...(NAMED_ENTITIES[char] ?? []).map((name) => `&${name};`)];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Every way one character of a secret can be echoed: as is, percent-encoded (UTF-8, any hex case), JSON-escaped, HTML-escaped. */
function characterForms(char: string): string {
  const forms = [escapeRegExp(char)];
  forms.push([...Buffer.from(char, 'utf8')].map((byte) => `%${hexDigits(byte, 2)}`).join(''));
  const units = [...Array(char.length).keys()].map((i) => char.charCodeAt(i));
  forms.push(units.map((unit) => `\\\\u${hexDigits(unit, 4)}`).join(''));
  if (char === '/') forms.push('\\\\/');
  if (char === '"') forms.push('\\\\"');
  if (char === '\\') forms.push('\\\\\\\\');
  if (char === ' ') forms.push('\\+');
  forms.push(...htmlForms(char));
  return `(?:${forms.join('|')})`;
}

/**
 * A pattern source matching `secret` however a server may have echoed it: each character as sent, percent-encoded
 * in upper or lower case, form-encoded (`+` for a space), JSON-escaped (`\/`, `\u0073`...) or HTML-escaped (`&#x2F;`, `&amp;`), in any mix.
 */
export function echoPattern(secret: string): string {
  return [...secret].map(characterForms).join('');
}
