/**
 * undici parses HTTP/1 in WebAssembly (llhttp). V8 runs it first as baseline (Liftoff) code and recompiles the
 * functions that have run long enough with its optimizing compiler (TurboFan) on a background thread. llhttp's
 * state machine is one 33 KB function: its recompile takes 90–300 ms of CPU and 42 MB of compiler memory, which
 * glibc keeps in that thread's arena for the rest of the process (29–37 MB of resident memory, a quarter of a
 * CLI crawl's peak), and a process that exits waits for a recompile in progress. The optimized parser buys
 * nothing measurable: llhttp is 0.3 % of a crawl's CPU profile on either tier (8,000 realistic shop pages).
 * So the processes Arachne starts itself (the CLI, server jobs) keep WebAssembly on the baseline tier; the
 * library does not: V8 flags are the embedding program's to set. A user whose spider runs WebAssembly of its own
 * and wants it optimized starts Node with `--no-liftoff-only`, and that wins.
 */
import { setFlagsFromString } from 'node:v8';

export function keepWasmOnBaseline(): void {
  if (process.execArgv.some((flag) => /^--(no-)?liftoff[-_]only/.test(flag))) return;
  setFlagsFromString('--liftoff-only');
}
