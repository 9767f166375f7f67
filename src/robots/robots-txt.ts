/** A parsed robots.txt: answers "may this agent fetch this URL?" from rules compiled once per agent. */
import { type CompiledRule, compileRule, pathOf } from './matcher.js';
import { RuleSet } from './rule-set.js';

/** What a crawler needs from a robots.txt, whatever its source (parsed file, allow-all, disallow-all). */
export interface RobotsPolicy {
  /** True when `userAgent` may fetch `urlOrPath` (an absolute URL or a path, already percent-encoded). */
  isAllowed(userAgent: string, urlOrPath: string): boolean;
  /** The group's `Crawl-delay` in milliseconds, or undefined when the group has none. */
  crawlDelayMs(userAgent: string): number | undefined;
  /** `Sitemap:` URLs listed anywhere in the file, in file order, without duplicates. */
  readonly sitemaps: string[];
}

/** A `User-agent` group: consecutive agent lines and the rules that follow them. */
export interface RobotsGroup {
  /** The group names `*`. */
  global: boolean;
  /** Lower-cased product tokens named by the group. */
  agents: string[];
  rules: CompiledRule[];
  crawlDelaySeconds: number | undefined;
}

interface AgentView {
  rules: RuleSet;
  crawlDelayMs: number | undefined;
}

const PRODUCT_TOKEN = /^([A-Za-z_-]+)(?:\/|$)/;

/**
 * The product token robots.txt groups are matched against: `arachne/0.1.0` → `arachne`.
 * Anything that is not `token` or `token/…` yields undefined, so it only obeys `*` groups
 * (as google/robotstxt does for `Foo Bar`, which never equals a group's token).
 */
export function productToken(userAgent: string): string | undefined {
  return PRODUCT_TOKEN.exec(userAgent)?.[1]?.toLowerCase();
}

export class RobotsTxt implements RobotsPolicy {
  readonly sitemaps: string[];
  readonly #groups: readonly RobotsGroup[];
  readonly #views = new Map<string, AgentView>();
  #globalView: AgentView | undefined;
  #lastAgent: string | undefined;
  #lastView: AgentView | undefined;

  constructor(groups: readonly RobotsGroup[], sitemaps: string[] = []) {
    this.#groups = groups;
    this.sitemaps = sitemaps;
  }

  /** The policy for a 4xx robots.txt (RFC 9309 §2.3.1.3): everything is allowed. */
  static allowAll(): RobotsTxt {
    return new RobotsTxt([]);
  }

  /** The policy for an unreachable robots.txt (RFC 9309 §2.3.1.4): everything is disallowed. */
  static disallowAll(): RobotsTxt {
    const rules = [compileRule(false, '/')];
    return new RobotsTxt([{ global: true, agents: [], rules, crawlDelaySeconds: undefined }]);
  }

  isAllowed(userAgent: string, urlOrPath: string): boolean {
    const path = pathOf(urlOrPath);
    // RFC 9309 §2.2.2: "The /robots.txt URI is implicitly allowed."
    if (path === '/robots.txt') return true;
    return this.#viewFor(userAgent).rules.verdict(path) ?? true;
  }

  crawlDelayMs(userAgent: string): number | undefined {
    return this.#viewFor(userAgent).crawlDelayMs;
  }

  #viewFor(userAgent: string): AgentView {
    // The crawler asks with the same user agent every time: skip the token regex then.
    if (userAgent === this.#lastAgent && this.#lastView) return this.#lastView;
    const view = this.#resolveView(userAgent);
    this.#lastAgent = userAgent;
    this.#lastView = view;
    return view;
  }

  #resolveView(userAgent: string): AgentView {
    const token = productToken(userAgent);
    if (token !== undefined) {
      const cached = this.#views.get(token);
      if (cached) return cached;
      const specific = this.#groups.filter((group) => group.agents.includes(token));
      if (specific.length > 0) {
        const view = buildView(specific);
        this.#views.set(token, view);
        return view;
      }
    }
    this.#globalView ??= buildView(this.#groups.filter((group) => group.global));
    return this.#globalView;
  }
}

/**
 * Merges every group naming the agent (google/robotstxt merges repeated groups too). A group that
 * names the agent shadows all `*` groups, even when it has no matching rule.
 */
function buildView(groups: readonly RobotsGroup[]): AgentView {
  const rules = new RuleSet(groups.flatMap((group) => group.rules));
  const seconds = groups.find((group) => group.crawlDelaySeconds !== undefined)?.crawlDelaySeconds;
  return { rules, crawlDelayMs: seconds === undefined ? undefined : Math.round(seconds * 1000) };
}
