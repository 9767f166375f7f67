/**
 * The interactive part of `arachne shell`: a node:repl whose context holds the shell's globals. Top-level `await`
 * works (node:repl's own), tab completion reads the context (so `page.sel<Tab>` completes), history persists when
 * the input is a terminal. Piped input is fed one line at a time (line-feed.ts) so it runs as if typed.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type REPLEval, type REPLServer, start } from 'node:repl';
import type { Readable, Writable } from 'node:stream';
import { display } from './display.js';
import { lineFeed } from './line-feed.js';
import { type ShellGlobals, settledBeforePrinting } from './shell-globals.js';

export interface ReplSessionOptions {
  input: Readable & { isTTY?: boolean };
  output: Writable & { isTTY?: boolean };
  /** Saved across sessions when the input is a terminal; '' keeps no history. */
  historyPath: string;
  colour: boolean;
  /** Printed before the first prompt of an interactive session. */
  banner?: string;
}

/** Resolves when the session ends (`.exit`, Ctrl-D, or the end of piped input). */
export async function runReplSession(
  globals: ShellGlobals,
  options: ReplSessionOptions,
): Promise<void> {
  const terminal = options.input.isTTY === true && options.output.isTTY === true;
  const feed = terminal ? undefined : lineFeed(options.input);
  if (terminal && options.banner) options.output.write(`${options.banner}\n`);
  const server = start({
    // Piped: no prompt between results, so the output is what the lines printed and nothing else.
    prompt: terminal ? 'arachne> ' : '',
    input: feed?.input ?? options.input,
    output: options.output,
    terminal,
    useGlobal: false,
    ignoreUndefined: true,
    // The preview prints with util.inspect, not the writer below: a page or an element would fill the screen.
    preview: false,
    writer: (value: unknown) => display(value, { colors: options.colour }),
  });
  globals.install(server.context);
  server.on('reset', (context: Record<string, unknown>) => globals.install(context));
  awaitShellPromises(server);
  const closed = new Promise<void>((resolve) => server.once('exit', resolve));
  if (terminal && options.historyPath !== '') await setupHistory(server, options.historyPath);
  feed?.attach(server);
  await closed;
}

/** `fetch(url)` without `await` prints the page once fetched, not `Promise { <pending> }`. */
function awaitShellPromises(server: REPLServer): void {
  const evaluate = server.eval;
  const wrapped: REPLEval = function (this: REPLServer, code, context, file, done) {
    evaluate.call(this, code, context, file, (error, result: unknown) => {
      if (!error && result instanceof Promise && settledBeforePrinting.has(result)) {
        result.then(
          (value: unknown) => done(null, value),
          (failure: unknown) => done(failure as Error, undefined),
        );
      } else {
        done(error, result);
      }
    });
  };
  // Read-only in the types, a plain property in node:repl, which reads it for every line: the way to wrap the default
  // eval (its top-level await included) rather than to write a second one.
  (server as { eval: REPLEval }).eval = wrapped;
}

function setupHistory(server: REPLServer, path: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch {
      // setupHistory says it below, once.
    }
    server.setupHistory(path, (error) => {
      if (error) server.output.write(`(history not saved: ${error.message})\n`);
      resolve();
    });
  });
}
