/**
 * A cron pattern in words, for the schedule form's preview: "every 15 minutes", "at 09:30 on Monday to Friday".
 * Covers the common shapes (steps, lists, ranges, nicknames); anything else reads field by field. The pattern is
 * checked by croner first (checkCron): this only phrases it.
 */

const nicknames: Record<string, string> = {
  '@yearly': 'at 00:00 on January 1',
  '@annually': 'at 00:00 on January 1',
  '@monthly': 'at 00:00 on day 1 of the month',
  '@weekly': 'at 00:00 on Sunday',
  '@daily': 'at 00:00 every day',
  '@midnight': 'at 00:00 every day',
  '@hourly': 'every hour at minute 0',
};

const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const dayAliases = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const monthAliases = monthNames.map((name) => name.slice(0, 3).toLowerCase());

export function describeCron(pattern: string): string {
  const trimmed = pattern.trim().toLowerCase();
  const nickname = nicknames[trimmed];
  if (nickname) return nickname;
  const fields = trimmed.split(/\s+/);
  const [second, minute, hour, dom, month, dow] =
    fields.length === 6 ? fields : ['0', ...fields, '*'].slice(0, 6);
  if (!minute || !hour || !dom || !month || !dow || !second) return pattern;
  const when = [timeOfDay(second, minute, hour)];
  if (dom !== '*' && dom !== '?') when.push(`on ${list(dom, (v) => `day ${v}`)} of the month`);
  if (dow !== '*' && dow !== '?') {
    when.push(`${dom !== '*' && dom !== '?' ? 'or ' : ''}on ${list(dow, dayName)}`);
  }
  if (month !== '*' && month !== '?') when.push(`in ${list(month, monthName)}`);
  // "at 03:00" alone reads as once: say it repeats.
  if (when.length === 1 && when[0]?.startsWith('at ')) when.push('every day');
  return when.join(' ');
}

function timeOfDay(second: string, minute: string, hour: string): string {
  const secondStep = step(second);
  if (second !== '0' && second !== '00') {
    if (second === '*' && minute === '*' && hour === '*') return 'every second';
    if (secondStep && minute === '*' && hour === '*') return `every ${secondStep} seconds`;
  }
  const at = second === '0' || second === '00' ? '' : ` at second ${second}`;
  if (minute === '*' && hour === '*') return `every minute${at}`;
  const minuteStep = step(minute);
  if (minuteStep && hour === '*') return `every ${minuteStep} minutes${at}`;
  if (isNumber(minute) && hour === '*') return `every hour at minute ${Number(minute)}${at}`;
  const hourStep = step(hour);
  if (isNumber(minute) && hourStep) return `every ${hourStep} hours at minute ${Number(minute)}`;
  if (isNumber(minute) && /^\d+(,\d+)*$/.test(hour)) {
    const times = hour.split(',').map((h) => `${pad(h)}:${pad(minute)}`);
    return `at ${joinWords(times)}${at}`;
  }
  return `at minute ${minute} of hour ${hour}${at}`;
}

/** `*\/N` → N. */
function step(field: string): number | undefined {
  const match = /^(?:\*|0)\/(\d+)$/.exec(field);
  return match ? Number(match[1]) : undefined;
}

function isNumber(field: string): boolean {
  return /^\d+$/.test(field);
}

function pad(value: string): string {
  return value.padStart(2, '0');
}

/** `1-5` → "Monday to Friday", `1,3` → "Monday and Wednesday", each value through `name`. */
function list(field: string, name: (value: string) => string): string {
  const parts = field.split(',').map((part) => {
    const range = /^([a-z0-9]+)-([a-z0-9]+)$/.exec(part);
    return range ? `${name(range[1] ?? '')} to ${name(range[2] ?? '')}` : name(part);
  });
  return joinWords(parts);
}

function joinWords(parts: string[]): string {
  return parts.length <= 1
    ? (parts[0] ?? '')
    : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

function dayName(value: string): string {
  const alias = dayAliases.indexOf(value);
  const index = alias >= 0 ? alias : Number(value) % 7;
  return dayNames[index] ?? value;
}

function monthName(value: string): string {
  const alias = monthAliases.indexOf(value);
  const index = alias >= 0 ? alias : Number(value) - 1;
  return monthNames[index] ?? value;
}
