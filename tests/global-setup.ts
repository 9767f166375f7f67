// Builds dist/ once before the suite (npm run build): CLI tests spawn the real `arachne` binary, which runs the bundle.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  // The CLIs the tests spawn keep their compiled spiders here, not in the user's ~/.cache.
  const cacheDir = mkdtempSync(join(tmpdir(), 'arachne-test-cache-'));
  process.env.ARACHNE_CACHE_DIR ??= cacheDir;
  // Job processes and sample-shop servers the tests fork start from the dist/ built below, not through tsx.
  process.env.ARACHNE_CHILDREN_FROM_DIST ??= '1';
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
  return () => rmSync(cacheDir, { recursive: true, force: true });
}
