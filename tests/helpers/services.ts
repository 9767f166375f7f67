// Tests against real services (PostgreSQL…): run them when the service answers, else skip, or fail when required.
import { it } from 'vitest';

/** How long a probe may take before the service counts as unreachable. */
const probeTimeoutMs = 5_000;

/**
 * Probes a service once, while the test file is collected; returns whether its tests should run. When it does not
 * answer, the suite is skipped with a console message saying why, unless ARACHNE_REQUIRE_SERVICES=1 (CI): then a
 * test named after the service fails with the reason, so a missing service cannot pass as a green run.
 * Use: `const up = await requireService('PostgreSQL at …', probe); describe.skipIf(!up)(…)`.
 */
export async function requireService(name: string, probe: () => Promise<void>): Promise<boolean> {
  const reason = await unreachableBecause(probe);
  if (reason === undefined) return true;
  if (process.env.ARACHNE_REQUIRE_SERVICES === '1') {
    it(`${name} is reachable (ARACHNE_REQUIRE_SERVICES=1)`, () => {
      throw new Error(`${name} is unreachable: ${reason}`);
    });
  } else {
    console.warn(
      `Skipping the ${name} tests: ${reason}. Set ARACHNE_REQUIRE_SERVICES=1 to fail instead.`,
    );
  }
  return false;
}

async function unreachableBecause(probe: () => Promise<void>): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${probeTimeoutMs} ms`)),
      probeTimeoutMs,
    );
  });
  try {
    await Promise.race([probe(), timeout]);
    return undefined;
  } catch (error) {
    if (error instanceof AggregateError && error.message === '') {
      return String((error.errors[0] as Error | undefined)?.message ?? error);
    }
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
