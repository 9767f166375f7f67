/**
 * undici parses HTTP/1 in WebAssembly (llhttp). V8 runs it first as baseline code and recompiles the functions
 * that have run long enough with its optimizing compiler, on a background thread; llhttp's state machine is one
 * 33 KB function whose recompile takes 90–300 ms of CPU and 42 MB of compiler memory — and a process that exits
 * waits for a recompile in progress. A one-page crawl spent 190–300 ms between its last output and its exit on
 * it, 30–40 ms with this (`--trace-wasm-compilation-times`, strace). Raising the budget tenfold keeps short runs
 * (one page, a test, a small job) on the baseline code; a crawl of a few hundred pages still gets the optimized
 * parser. Called by the processes Arachne starts itself (the CLI, server jobs), not by the library: V8 flags are
 * the embedding program's to set.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default budget ("bytes executed" before a function is recompiled), times ten. */
const TIERING_BUDGET = 18_000_000;

export function deferWasmTierUp(): void {
  setFlagsFromString(`--wasm-tiering-budget=${TIERING_BUDGET}`);
}
