/**
 * A handler thread: loads the spider file itself, then runs the handler of each page the main thread sends and sends
 * back what it yielded, in one message per page. The main thread keeps the I/O, the frontier, the pipelines and the
 * sinks; this thread only parses and extracts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError, OutputError } from '../../errors.js';
import { Response } from '../../http/response.js';
import { loadSpider } from '../../loader/load-spider.js';
import type { Item } from '../../storage/sink.js';
import { HandlerFieldHints } from '../field-hints.js';
import { outputsOf } from '../handler-outputs.js';
import { withLinkRules } from '../link-rules.js';
import { classifyOutput } from '../output.js';
import { Page } from '../page.js';
import type { Request } from '../request.js';
import type { Spider } from '../spider.js';
import { isHtml, visibleTextHash } from '../url-spaces.js';
import { type TaskMessage, type ThreadData, toWire, type WorkerMessage } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('the handler thread runs as a worker thread only');
const post = (message: WorkerMessage): void => port.postMessage(message);

let spider: Spider | undefined;
try {
  // Link rules wrap the handlers as on the main thread, so rule-made requests come from here too.
  spider = withLinkRules(await loadSpider((workerData as ThreadData).spiderFile));
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'load-failed', error: toWire(error) });
}

if (spider) {
  const loaded = spider;
  // One page after the other, in the order sent: the main thread times the first one it sent as the one running.
  let queue = Promise.resolve();
  port.on('message', (task: TaskMessage) => {
    queue = queue.then(() => run(loaded, task));
  });
}

/** What each handler's pages in this thread were read for (see field-hints.ts). */
const fieldHints = new HandlerFieldHints();

async function run(spider: Spider, task: TaskMessage): Promise<void> {
  const { request, response: wire } = task;
  const response = new Response({
    url: wire.url,
    status: wire.status,
    headers: wire.headers,
    body: Buffer.from(wire.body, wire.offset, wire.length),
    request: wire.request,
    timings: wire.timings,
    redirects: wire.redirects,
  });
  const page = new Page(request, response, task.linkBudget, fieldHints.for(request.handler));
  const children: Request[] = [];
  const items: Item[] = [];
  let error: unknown;
  try {
    const handler = spider.handlers[request.handler];
    if (!handler) throw new ConfigError(`unknown handler "${request.handler}"`);
    for await (const output of outputsOf(handler(page))) {
      const sorted = classifyOutput(output, request.handler, request.url);
      if (sorted.kind === 'request') children.push(sorted.request);
      else items.push(sorted.item);
    }
  } catch (thrown) {
    error = thrown;
  }
  const hashed = task.textHash && children.length > 0 && isHtml(page);
  const textHash = hashed ? visibleTextHash(page.text()) : undefined;
  try {
    post({
      type: 'result',
      id: task.id,
      children,
      items,
      ...(error !== undefined && { error: toWire(error) }),
      ...(textHash && { textHash: [textHash[0] ?? 0, textHash[1] ?? 0] }),
    });
  } catch (cloneError) {
    // An item holding a function or a symbol cannot be copied to the main thread: a bug in the spider for this page,
    // reported as one, as a non-item output is.
    const problem = `yielded an item that cannot leave its handler thread (${(cloneError as Error).message})`;
    post({
      type: 'result',
      id: task.id,
      children: [],
      items: [],
      error: toWire(new OutputError(request.handler, request.url, problem)),
    });
  }
}
