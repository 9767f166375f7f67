// `npm test`: the type-check and the test suite side by side, failing when either fails. One after the other, the
// type-check's 15 s add to the suite's; beside it, it uses what the suite leaves idle while it builds dist/ and starts.
// Arguments go to vitest (`npm test -- tests/cli` runs that folder, still type-checked).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = (path) => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));
const run = (script, args, stdio) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });

const typecheck = run(bin('typescript/bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], [
  'ignore',
  'pipe',
  'pipe',
]);
const tests = run(bin('vitest/vitest.mjs'), ['run', ...process.argv.slice(2)], 'inherit');
const [types, suite] = await Promise.all([typecheck, tests]);
if (types.code !== 0) process.stdout.write(`\n${types.output}\ntype check failed (npm run typecheck)\n`);
process.exitCode = suite.code || types.code;
