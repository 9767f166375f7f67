/** Entry of the forked shop server: builds the shop from argv[2] (JSON), serves it, answers IPC queries. */
import { readFileSync } from 'node:fs';
import { generateShop } from './generate.js';
import { type ChildConfig, type ChildMessage, isParentMessage } from './ipc.js';
import { serveShop } from './server.js';

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Linux's VmHWM (peak resident set); falls back to the current RSS elsewhere. */
function peakRssBytes(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
  const shop = generateShop({
    ...(config.seed === undefined ? {} : { seed: config.seed }),
    ...(config.products === undefined ? {} : { products: config.products }),
    ...(config.mode === undefined ? {} : { mode: config.mode }),
    ...(config.realistic === undefined ? {} : { realistic: config.realistic }),
  });
  const server = await serveShop(shop, {
    ...(config.host === undefined ? {} : { host: config.host }),
    ...(config.port === undefined ? {} : { port: config.port }),
    ...(config.delayMs === undefined ? {} : { delayMs: config.delayMs }),
    ...(config.logRequests === undefined ? {} : { logRequests: config.logRequests }),
    ...(config.logFile === undefined ? {} : { logFile: config.logFile }),
    ...(config.cache === undefined ? {} : { cache: config.cache }),
    ...(config.guard === undefined ? {} : { guard: config.guard }),
  });
  process.on('message', (message: unknown) => {
    if (!isParentMessage(message)) return;
    let value: unknown;
    if (message.type === 'log') value = server.log();
    else if (message.type === 'reset') value = server.resetLog();
    else {
      value = {
        ...server.stats(),
        rssBytes: process.memoryUsage().rss,
        peakRssBytes: peakRssBytes(),
      };
    }
    send({ type: 'reply', id: message.id, value: value ?? null });
  });
  // The parent went away (crashed or exited without stop()): do not linger as an orphan.
  process.on('disconnect', () => {
    void server.close().finally(() => process.exit(0));
  });
  send({ type: 'ready', origin: server.origin, port: server.port });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  // Exit only once the message is flushed, or the parent sees a bare exit code.
  if (process.send)
    process.send({ type: 'failed', message } satisfies ChildMessage, () => process.exit(1));
  else process.exit(1);
});
