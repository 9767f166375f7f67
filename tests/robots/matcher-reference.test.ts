// Differential test: the compiled, bucketed matcher agrees with a direct port of Google's position-set matcher.
import { describe, expect, it } from 'vitest';
import { parseRobots, pathOf } from '../../src/robots/index.js';

/** google/robotstxt RobotsMatchStrategy::Matches: a set of reachable path offsets per pattern char. */
function googleMatches(path: string, pattern: string): boolean {
  let positions = [0];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '$' && i === pattern.length - 1) return positions.at(-1) === path.length;
    if (char === '*') {
      const from = positions[0] ?? 0;
      positions = Array.from({ length: path.length - from + 1 }, (_, k) => from + k);
    } else {
      positions = positions.filter((p) => p < path.length && path[p] === char).map((p) => p + 1);
      if (positions.length === 0) return false;
    }
  }
  return true;
}

/** Longest match wins, Allow wins ties, no match or only empty patterns means allowed. */
function googleAllowed(rules: Array<[boolean, string]>, path: string): boolean {
  let allow = -1;
  let disallow = -1;
  for (const [isAllow, pattern] of rules) {
    if (!googleMatches(path, pattern)) continue;
    if (isAllow) allow = Math.max(allow, pattern.length);
    else disallow = Math.max(disallow, pattern.length);
  }
  if (allow <= 0 && disallow <= 0) return true;
  return disallow <= allow;
}

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('matcher versus the reference algorithm', () => {
  it('agrees on 3,000 random rule sets and paths', () => {
    const random = prng(9309);
    const pick = (alphabet: string, length: number) =>
      Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let round = 0; round < 3000; round++) {
      const rules: Array<[boolean, string]> = Array.from(
        { length: 1 + Math.floor(random() * 6) },
        () => [random() < 0.5, `/${pick('ab*$/.', Math.floor(random() * 7))}`],
      );
      const robots = parseRobots(
        `User-agent: *\n${rules.map(([allow, p]) => `${allow ? 'Allow' : 'Disallow'}: ${p}`).join('\n')}\n`,
      );
      for (let k = 0; k < 5; k++) {
        const path = `/${pick('ab/.$', Math.floor(random() * 9))}`;
        if (path === '/robots.txt') continue;
        // Both sides see the same path: `//x` is a network-path reference, whose path is not `//x`.
        const expected = googleAllowed(rules, pathOf(path));
        expect({ rules, path, allowed: robots.isAllowed('bot', path) }).toEqual({
          rules,
          path,
          allowed: expected,
        });
      }
    }
  });
});
