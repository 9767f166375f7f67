/**
 * Field processors (Scrapy's item-loader processors): small functions from one extracted value to a cleaner one,
 * run in order on a field before the item type's schema validates it. Conventions, so they chain safely:
 * - null and undefined pass through (an extraction that found nothing stays nothing);
 * - the value processors (`trim` … `toDate`) map over arrays, as Scrapy's MapCompose does; `join` and `first`
 *   turn an array into one value;
 * - a value that cannot be read (`toNumber('abc')`) throws: the loader counts the item invalid for that field.
 */

/** One step of a field's processing; may return a promise. */
export type FieldProcessor = (value: unknown) => unknown;

/** Applies `fn` to a value, or to each element of an array; null and undefined pass through. */
function eachValue(fn: (value: unknown) => unknown): FieldProcessor {
  const apply = (value: unknown): unknown => {
    if (value === null || value === undefined) return value;
    if (Array.isArray(value)) return value.map(apply);
    return fn(value);
  };
  return apply;
}

/** Strips leading and trailing whitespace from strings; other values pass through. */
export const trim: FieldProcessor = eachValue((value) =>
  typeof value === 'string' ? value.trim() : value,
);
Object.defineProperty(trim, 'name', { value: 'trim' });

/** Turns every run of whitespace (newlines, tabs, no-break spaces) into one space, and trims. */
export const collapseWhitespace: FieldProcessor = eachValue((value) =>
  typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : value,
);
Object.defineProperty(collapseWhitespace, 'name', { value: 'collapseWhitespace' });

/** Digit-group separators besides `.` and `,`: spaces (plain, no-break, thin) and the Swiss apostrophe. */
const groupMarks = /[\s\u00a0\u202f\u2009'’]/g;

/**
 * Reads a number written with digit grouping in either convention: "1,299.50", "1.299,50", "1 299,50",
 * "1'299.50". With both `.` and `,` the last one is the decimal mark; a mark repeated is a group mark; a single
 * mark followed by exactly three digits, after one to three digits not starting with 0, is read as a group mark
 * ("1,299" and "1.299" are 1299), otherwise as the decimal mark ("12,50" is 12.5).
 */
function parseNumber(text: string): number | undefined {
  let s = text.replace(groupMarks, '').replace(/^[−–]/, '-');
  if (!/^[+-]?(\d|[.,]\d)[\d.,]*$/.test(s)) return undefined;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let decimal: '.' | ',' | undefined;
  if (lastDot >= 0 && lastComma >= 0) decimal = lastDot > lastComma ? '.' : ',';
  else if (lastDot >= 0 || lastComma >= 0) {
    const mark = lastDot >= 0 ? '.' : ',';
    const count = s.split(mark).length - 1;
    const groupLike = /^[+-]?[1-9]\d{0,2}[.,]\d{3}$/.test(s);
    decimal = count > 1 || groupLike ? undefined : mark;
  }
  const group = decimal === '.' ? ',' : decimal === ',' ? '.' : /[.,]/g;
  const whole = decimal === undefined ? s : s.slice(0, s.lastIndexOf(decimal));
  // Group marks split the whole part in threes ("1.234.567"); "1.2.3,4" is no number in any convention.
  const groups = whole.replace(/^[+-]/, '').split(group);
  if (
    groups.length > 1 &&
    !groups.every((digits, i) => (i === 0 ? /^\d{1,3}$/ : /^\d{3}$/).test(digits))
  ) {
    return undefined;
  }
  s = s.replaceAll(group, '');
  if (decimal === ',') s = s.replace(',', '.');
  if ((s.match(/\./g)?.length ?? 0) > 1) return undefined;
  const value = Number(s);
  return Number.isFinite(value) ? value : undefined;
}

/** Reads a number from a string ("1 299,50" → 1299.5); an empty string is null; numbers pass through. */
export const toNumber: FieldProcessor = eachValue((value) => {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('not a finite number');
    return value;
  }
  if (typeof value !== 'string') throw new TypeError(`cannot read a number from a ${typeof value}`);
  const text = value.trim();
  if (text === '') return null;
  const number = parseNumber(text);
  if (number === undefined) throw new TypeError('not a number');
  return number;
});
Object.defineProperty(toNumber, 'name', { value: 'toNumber' });

/**
 * Reads the amount of a price, whatever surrounds it: "$1,299.00" and "1.299,00 €" are 1299, "EUR 12,50" is 12.5.
 * The first number in the text is the amount; an empty string is null; text without digits ("Free") throws.
 */
export const toPrice: FieldProcessor = eachValue((value) => {
  if (typeof value === 'number') return toNumber(value);
  if (typeof value !== 'string') throw new TypeError(`cannot read a price from a ${typeof value}`);
  const text = value.trim();
  if (text === '') return null;
  const found = /[-−]?\s*\d[\d.,\s\u00a0\u202f\u2009'’]*/.exec(text);
  if (!found) throw new TypeError('no amount');
  // The match may swallow the space and the full stop after the amount ("12.50. "): they end it.
  const amount = found[0].replace(/[\s\u00a0\u202f\u2009'’.,]+$/, '').replace(/^([-−])\s*/, '$1');
  const number = parseNumber(amount);
  if (number === undefined) throw new TypeError('no amount');
  return number;
});
Object.defineProperty(toPrice, 'name', { value: 'toPrice' });

const months = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
] as const;

function dateOnly(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    throw new RangeError('not a calendar date');
  }
  return date.toISOString().slice(0, 10);
}

function monthOf(name: string): number | undefined {
  const index = months.indexOf(name.slice(0, 3).toLowerCase() as (typeof months)[number]);
  return index >= 0 ? index + 1 : undefined;
}

/**
 * Reads a date to an ISO 8601 string. A date without a time stays a date ("5 March 2024", "March 5, 2024",
 * "05.03.2024", "2024/03/05" → "2024-03-05"), so no time zone shifts it. "05/03/2024" is read day first or month
 * first only when one of them is over 12; otherwise it is ambiguous and throws. Anything else goes to Date.parse
 * (ISO date-times, RFC 2822) and comes out as UTC ("2024-03-05T10:00:00.000Z"); a time without a zone is read in
 * the process's time zone. Date objects and epoch milliseconds are accepted; an empty string is null.
 */
export const toDate: FieldProcessor = eachValue((value) => {
  if (value instanceof Date || typeof value === 'number') {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new RangeError('not a date');
    return date.toISOString();
  }
  if (typeof value !== 'string') throw new TypeError(`cannot read a date from a ${typeof value}`);
  const text = value.trim();
  if (text === '') return null;
  let m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text) ?? /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(text);
  if (m) return dateOnly(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})$/.exec(text);
  if (m) return dateOnly(Number(m[3]), Number(m[2]), Number(m[1]));
  m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/.exec(text);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (a > 12 && b <= 12) return dateOnly(Number(m[3]), b, a);
    if (b > 12 && a <= 12) return dateOnly(Number(m[3]), a, b);
    throw new RangeError('ambiguous date (day or month first?)');
  }
  // "5 March 2024", "5. März"-free English forms: "March 5, 2024", "Mar 5 2024", "5 Mar 2024".
  m = /^(\d{1,2})(?:st|nd|rd|th)?\.?\s+([A-Za-z]{3,})\.?,?\s+(\d{4})$/.exec(text);
  const dayFirstMonth = m && monthOf(m[2] ?? '');
  if (m && dayFirstMonth) return dateOnly(Number(m[3]), dayFirstMonth, Number(m[1]));
  m = /^([A-Za-z]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(text);
  const monthFirst = m && monthOf(m[1] ?? '');
  if (m && monthFirst) return dateOnly(Number(m[3]), monthFirst, Number(m[2]));
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new RangeError('not a date');
  return new Date(time).toISOString();
});
Object.defineProperty(toDate, 'name', { value: 'toDate' });

/** Joins an array's values (null and undefined left out) with `separator`; an empty array is null. */
export function join(separator = ' '): FieldProcessor {
  return function join(value) {
    if (!Array.isArray(value)) return value;
    const parts = value.filter((part) => part !== null && part !== undefined).map(String);
    return parts.length === 0 ? null : parts.join(separator);
  };
}

/** The first value of an array that is not null, undefined or ''; null when there is none. */
export const first: FieldProcessor = function first(value) {
  if (!Array.isArray(value)) return value;
  return value.find((part) => part !== null && part !== undefined && part !== '') ?? null;
};

/** Runs processors in order as one; a promise returned by one is awaited before the next. */
export function compose(...processors: readonly FieldProcessor[]): FieldProcessor {
  return composeAll(processors);
}

function composeAll(processors: readonly FieldProcessor[]): FieldProcessor {
  return function compose(value): unknown {
    let current: unknown = value;
    for (const [index, processor] of processors.entries()) {
      if (isThenable(current)) {
        const rest = processors.slice(index);
        return current.then((resolved) => composeAll(rest)(resolved));
      }
      current = processor(current);
    }
    return current;
  };
}

/** `fallback` when the value is missing: null, undefined, '' or an empty array. */
export function defaultTo(fallback: unknown): FieldProcessor {
  return function defaultTo(value) {
    const missing =
      value === null ||
      value === undefined ||
      value === '' ||
      (Array.isArray(value) && value.length === 0);
    return missing ? fallback : value;
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
