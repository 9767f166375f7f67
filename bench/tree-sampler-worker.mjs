// Samples a crawler's process tree (process-tree.mjs) on a thread of its own: the bench's main thread serves the shop,
// and the synchronous /proc reads must not stall it. workerData: { pid, intervalMs }; send 'stop' for the figures.
import { parentPort, workerData } from 'node:worker_threads';
import { startTreeSampler } from './process-tree.mjs';

const sampler = startTreeSampler(workerData.intervalMs, workerData.pid);
// The sampler's timer is unref'd: the port keeps this thread alive until stopped.
parentPort.once('message', () => {
  parentPort.postMessage(sampler.stop());
  parentPort.close();
});
