/**
 * Piped input for the REPL, one line at a time. Given a pipe directly, node:repl reads every line at once and
 * evaluates the next while an `await` is still pending: results come out of order, and the REPL closes at EOF before
 * the last fetch is done. Here a line is passed on only once the REPL prompts again, so a script of lines runs as
 * if typed, and the input ends after the last line has been evaluated.
 */
import { createInterface } from 'node:readline';
import type { REPLServer } from 'node:repl';
import { PassThrough, type Readable } from 'node:stream';

/** The stream to give the REPL as input; `attach` starts feeding it from `source` once the REPL exists. */
export function lineFeed(source: Readable): {
  input: PassThrough;
  attach(server: REPLServer): void;
} {
  const input = new PassThrough();
  const queued: string[] = [];
  let ended = false;
  let waiting = true; // the REPL prompts once it starts
  let server: REPLServer | undefined;

  const pump = () => {
    if (!server || !waiting) return;
    const line = queued.shift();
    if (line !== undefined) {
      waiting = false;
      input.write(`${line}\n`);
    } else if (ended) {
      waiting = false;
      input.end();
    }
  };

  const lines = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    queued.push(line);
    pump();
  });
  lines.on('close', () => {
    ended = true;
    pump();
  });

  return {
    input,
    attach(repl) {
      server = repl;
      // displayPrompt is the REPL's "ready for input": after a result, an error, a dot-command, or '... ' mid-block.
      const prompt = repl.displayPrompt.bind(repl);
      repl.displayPrompt = (preserveCursor?: boolean) => {
        prompt(preserveCursor);
        waiting = true;
        // On the next turn: the REPL finishes its own bookkeeping for this line before reading the next.
        setImmediate(pump);
      };
      pump();
    },
  };
}
