/** Inside a child process: loads each project file and lists the spiders they export (user code stays out of the server). */
import { join } from 'node:path';
import { loadSpider } from '../loader/load-spider.js';
import type { ScanTask } from './ipc.js';
import type { Send } from './run-job.js';
import type { SpiderScan } from './types.js';

export async function scanSpiders(task: ScanTask, send: Send): Promise<number> {
  const result: SpiderScan = { spiders: [], errors: [] };
  const seen = new Map<string, string>();
  for (const file of task.files) {
    try {
      const spider = await loadSpider(join(task.dir, file));
      const earlier = seen.get(spider.name);
      if (earlier !== undefined) {
        result.errors.push({
          file,
          message: `spider name "${spider.name}" is already used by ${earlier}`,
        });
        continue;
      }
      seen.set(spider.name, file);
      result.spiders.push({ name: spider.name, file });
    } catch (error) {
      result.errors.push({ file, message: (error as Error).message.split('\n')[0] ?? 'failed' });
    }
  }
  await send({ type: 'scan', result });
  return 0;
}
