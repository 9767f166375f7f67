/** Where the shell keeps its history between sessions. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * ARACHNE_SHELL_HISTORY when set ('' keeps no history), else $XDG_STATE_HOME/arachne/shell_history when
 * XDG_STATE_HOME is set (the XDG base-directory spec's place for history), else ~/.arachne/shell_history.
 */
export function shellHistoryPath(env: NodeJS.ProcessEnv = process.env): string {
  const own = env.ARACHNE_SHELL_HISTORY;
  if (own !== undefined) return own.trim();
  const state = env.XDG_STATE_HOME;
  // The spec: a relative path in an XDG variable is invalid and must be ignored.
  if (state?.startsWith('/')) return join(state, 'arachne', 'shell_history');
  return join(homedir(), '.arachne', 'shell_history');
}
