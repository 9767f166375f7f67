/** Entry point of the server's child processes: a job run or a spider scan, described by argv[2] (JSON). */
import { sizeHeapForCrawl } from '../crawler/crawl-heap.js';
import { keepWasmOnBaseline } from '../http/wasm-baseline.js';
import type { ChildMessage, ChildTask } from './ipc.js';
import { runJob } from './run-job.js';
import { scanSpiders } from './scan-spiders.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

keepWasmOnBaseline();
const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;
if (task.mode !== 'scan') sizeHeapForCrawl();
const code = task.mode === 'scan' ? await scanSpiders(task, send) : await runJob(task, send);
// A spider may leave timers or sockets behind: the run is over, so leave without waiting for them.
process.exit(code);
