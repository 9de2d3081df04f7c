import { UserError } from './errors.js';

/** A numeric setting's documented range; `whole` for counts, ids and seeds, else decimals are allowed. */
export interface NumberRange {
  min: number;
  max: number;
  whole: boolean;
}

export function describeRange(range: NumberRange): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${range.whole ? 'a whole number' : 'a number'} from ${n(range.min)} to ${n(range.max)}`;
}

/**
 * Parses a number a user typed, refused in one line when it is not written as plain digits (no sign, exponent,
 * hex or spaces) or lies outside its range: every size a user can give has a ceiling, so none can exhaust memory.
 */
export function parseBoundedNumber(value: string, name: string, range: NumberRange): number {
  const written = range.whole ? /^\d{1,20}$/ : /^\d{1,20}(\.\d{1,20})?$/;
  const number = written.test(value) ? Number(value) : NaN;
  if (!(number >= range.min && number <= range.max)) {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    throw new UserError(`${name} must be ${describeRange(range)}, not "${shown}"`);
  }
  return number;
}
