/**
 * Whether a probe's text is the same under the Unicode normalizations a tokenizer may apply (NFC, NFKC).
 * A serving engine may skip the normalizer its tokenizer.json declares (llama.cpp applies none: decomposed
 * Bengali nukta letters stay two code points and cost fewer tokens than the Hugging Face tokenizer predicts),
 * so a text that normalization changes can bill differently from the reference with nothing changed.
 */
export function isNormalizationStable(text: string): boolean {
  return text === text.normalize('NFKC') && text === text.normalize('NFC');
}
