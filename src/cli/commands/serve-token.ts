/** `arachne serve token add|list|revoke`: the server's named tokens, written to DATA_DIR/server.db (see docs/server.md). */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import {
  AccessTokens,
  defaultTokenName,
  type Scope,
  scopes,
  type TokenInfo,
} from '../../server/access-tokens.js';
import { AuditLog } from '../../server/audit-log.js';
import { JobStore } from '../../server/job-store.js';

export const serveTokenHelp = `Usage: arachne serve token <command> (--data-dir DIR | --project DIR)

Commands:
  add NAME --scope viewer|operator   create a token and print it (once: only its hash is kept)
  list                               names, scopes, when created and last used (never the tokens)
  revoke NAME                        delete a token; a running server refuses it from the next request

Options:
      --data-dir DIR     the server's data directory (default DIR/.arachne with --project DIR)
      --project DIR      the spiders' directory, to find the default data directory
      --scope SCOPE      viewer (GET routes, the WebSocket, /metrics) or operator (everything)
  -h, --help             show this help

A running server sees changes at once (it reads server.db on every request). The server's own token
(DATA_DIR/token or ARACHNE_TOKEN) is the operator token named "default".`;

const flags = {
  'data-dir': { type: 'string' },
  project: { type: 'string' },
  scope: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The actor the audit log names for changes made from this command. */
const cliActor = 'cli';

export async function serveTokenCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: flags, allowPositionals: true });
  const [command, name, ...extra] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${serveTokenHelp}\n`);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new ConfigError(`unexpected argument "${extra[0]}"`);
  const dataDir = dataDirOf(values['data-dir'], values.project, command === 'add');
  const store = JobStore.open(join(dataDir, 'server.db'));
  try {
    const tokens = new AccessTokens(store.db);
    const audit = new AuditLog(store.db);
    switch (command) {
      case 'add': {
        if (name === undefined) throw new ConfigError('token add needs a NAME');
        const scope = values.scope;
        if (scope === undefined || !isScope(scope)) {
          throw new ConfigError(`token add needs --scope ${scopes.join('|')}`);
        }
        const token = tokens.add(name, scope);
        audit.record(cliActor, 'token.add', name);
        // The token alone on stdout (TOKEN=$(arachne serve token add …)); the note on stderr.
        process.stdout.write(`${token}\n`);
        process.stderr.write(
          `arachne serve token: "${name}" (${scope}) created; it is shown only this once\n`,
        );
        return 0;
      }
      case 'list': {
        if (name !== undefined) throw new ConfigError(`unexpected argument "${name}"`);
        process.stdout.write(listText(defaultRow(dataDir, tokens), tokens.list()));
        return 0;
      }
      case 'revoke': {
        if (name === undefined) throw new ConfigError('token revoke needs a NAME');
        if (name === defaultTokenName) {
          throw new ConfigError(
            `"${defaultTokenName}" is the server's own token: replace DATA_DIR/token (or ARACHNE_TOKEN) and restart to change it`,
          );
        }
        if (!tokens.revoke(name)) throw new ConfigError(`no token named "${name}"`);
        audit.record(cliActor, 'token.revoke', name);
        process.stderr.write(`arachne serve token: "${name}" revoked\n`);
        return 0;
      }
      default:
        throw new ConfigError(`unknown token command "${command}" (add, list or revoke)`);
    }
  } finally {
    store.close();
  }
}

function isScope(value: string): value is Scope {
  return (scopes as readonly string[]).includes(value);
}

function dataDirOf(
  dataDir: string | undefined,
  project: string | undefined,
  create: boolean,
): string {
  const dir =
    dataDir !== undefined
      ? resolve(dataDir)
      : project !== undefined
        ? resolve(project, '.arachne')
        : undefined;
  if (dir === undefined) throw new ConfigError('serve token needs --data-dir DIR or --project DIR');
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ConfigError(`${dir}: not a directory`);
  } else if (create) {
    // Tokens may be made before the server's first start; the server creates the rest of the directory.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } else {
    throw new ConfigError(`${dir}: no such directory (no server has used it)`);
  }
  return dir;
}

/** The server's own token as a row: where it comes from, when the file was written and last used. */
function defaultRow(dataDir: string, tokens: AccessTokens): TokenInfo & { source: string } {
  const file = join(dataDir, 'token');
  const fromEnv = process.env.ARACHNE_TOKEN;
  return {
    name: defaultTokenName,
    scope: 'operator',
    createdAt: existsSync(file) && !fromEnv ? statSync(file).mtime.toISOString() : '-',
    lastUsedAt: tokens.defaultLastUsed(),
    source: fromEnv ? 'ARACHNE_TOKEN' : existsSync(file) ? file : 'created on first start',
  };
}

function listText(first: TokenInfo & { source: string }, rows: TokenInfo[]): string {
  const table = [
    ['NAME', 'SCOPE', 'CREATED', 'LAST USED'],
    ...[first, ...rows].map((row) => [
      row.name,
      row.scope,
      row.createdAt,
      row.lastUsedAt ?? 'never',
    ]),
  ];
  const widths = table[0]?.map((_, column) =>
    Math.max(...table.map((row) => (row[column] ?? '').length)),
  );
  const lines = table.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n(${defaultTokenName}: ${first.source})\n`;
}
