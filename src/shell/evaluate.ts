/** `arachne shell URL -c EXPR`: one expression over the shell's globals, `await` allowed, and its value. */
import { createContext, runInContext } from 'node:vm';
import type { ShellGlobals } from './shell-globals.js';

export async function evaluateExpression(
  expression: string,
  globals: ShellGlobals,
): Promise<unknown> {
  const names: Record<string, unknown> = { console };
  globals.install(names);
  const context = createContext(names);
  // An async arrow: `await` works in the expression, and a promise it ends with (fetch(), run()) is waited for.
  // The newlines keep a trailing `// comment` in the expression from swallowing the closing parenthesis.
  return await runInContext(`(async () => (\n${expression}\n))()`, context, {
    filename: 'arachne-shell-command',
  });
}
