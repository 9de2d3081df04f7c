/** U+FFFD in UTF-8: a decoder replaced bytes it could not read, so the token's own bytes are lost. */
const REPLACED = Buffer.from('\ufffd', 'utf8');
/**
 * Control tokens as APIs render them (`<|eot_id|>`, `<｜end▁of▁sentence｜>`, `</s>`, `<0x0A>`, `[INST]`): a
 * vocabulary's special or byte-fallback entry shown by name, which a membership filter of text entries need not hold.
 */
const CONTROL = /^(?:<[^<>\s]{1,64}>|\[\/?[A-Z][A-Z_]{1,30}\])$/u;

/**
 * Whether a seen token string says nothing about which entries a vocabulary has: bytes a decoder replaced, or a
 * control token shown by name. Such a string is the server's rendering, not an entry, so it is neither evidence
 * against a vocabulary nor of one that was extended.
 */
export function tellsNothing(bytes: Uint8Array): boolean {
  if (Buffer.from(bytes).includes(REPLACED)) return true;
  return CONTROL.test(Buffer.from(bytes).toString('utf8'));
}
