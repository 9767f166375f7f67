// Preloaded into each worker by bench/distributed.mjs (node --import): counts the worker's Redis round trips on
// the client side — every command sent on its own and every MULTI/EXEC or pipeline as one — and writes the count to
// $ARACHNE_BENCH_ROUND_TRIPS/<pid>.json when the process exits. No MONITOR, and nothing in the crawler changes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';

const dir = process.env.ARACHNE_BENCH_ROUND_TRIPS;
if (dir) {
  let proto = Object.getPrototypeOf(createClient());
  while (proto && !Object.hasOwn(proto, 'sendCommand')) proto = Object.getPrototypeOf(proto);
  if (!proto) throw new Error('redis-round-trips: no sendCommand on the Redis client');
  let commands = 0;
  let batches = 0;
  const count = (name, counter) => {
    const original = proto[name];
    proto[name] = function (...args) {
      counter();
      return original.apply(this, args);
    };
  };
  count('sendCommand', () => commands++);
  count('_executeMulti', () => batches++);
  count('_executePipeline', () => batches++);
  process.on('exit', () => {
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ commands, batches }));
  });
}
