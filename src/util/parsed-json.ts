/**
 * JSON parsed from a file or a server before it is checked. Readers check it field by field where they read it
 * (and throw a UserError naming the field), so a static type here would only repeat those checks.
 */
// biome-ignore lint/suspicious/noExplicitAny: checked field by field where it is read
export type ParsedJson = any;
export type JsonObject = Record<string, ParsedJson>;
