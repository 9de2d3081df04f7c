import { revealInvisible } from './visible-text.js';

/**
 * Text safe in XML and HTML content and in quoted attributes. Invisible and control characters are
 * shown as `\u{…}` (XML 1.0 forbids most controls, and direction overrides could disguise text).
 */
export function escapeMarkup(text: string): string {
  return revealInvisible(text)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
