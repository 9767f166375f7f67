/** One agent's Allow/Disallow rules, bucketed by literal prefix so that a check only tests rules that can match. */
import { byPrecedence, type CompiledRule } from './matcher.js';

/** Length of the prefix used as bucket key; shorter prefixes (`/`, `/*`) are tested for every path. */
const KEY_LENGTH = 4;

export class RuleSet {
  readonly #short: CompiledRule[] = [];
  readonly #buckets = new Map<string, CompiledRule[]>();

  /** Rules with an empty pattern are dropped: they match with priority 0, which never decides. */
  constructor(rules: readonly CompiledRule[]) {
    const sorted = rules.filter((rule) => rule.priority > 0).sort(byPrecedence);
    for (const rule of sorted) {
      if (rule.prefix.length < KEY_LENGTH) {
        this.#short.push(rule);
        continue;
      }
      const key = rule.prefix.slice(0, KEY_LENGTH);
      const bucket = this.#buckets.get(key);
      if (bucket) bucket.push(rule);
      else this.#buckets.set(key, [rule]);
    }
  }

  /**
   * The verdict of the most specific matching rule (longest pattern, Allow on a tie), or undefined
   * when no rule matches. Each list is sorted, so its first match is its best one.
   */
  verdict(path: string): boolean | undefined {
    const short = firstMatch(this.#short, path);
    const bucket = this.#buckets.get(path.slice(0, KEY_LENGTH));
    const keyed = bucket ? firstMatch(bucket, path) : undefined;
    if (!short) return keyed?.allow;
    if (!keyed) return short.allow;
    return byPrecedence(short, keyed) <= 0 ? short.allow : keyed.allow;
  }
}

function firstMatch(rules: readonly CompiledRule[], path: string): CompiledRule | undefined {
  for (const rule of rules) {
    if (rule.matches(path)) return rule;
  }
  return undefined;
}
