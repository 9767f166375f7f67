/** Reads database outputs: "items.db", "sqlite:items.db?table=books", "postgres://user@host/db?table=books&upsert=sku". */
import { ConfigError } from '../errors.js';
import type { OpenSinkOptions } from './open-sink.js';

/** Where a database sink writes, and how. */
export interface DatabaseTarget {
  /** A file path for SQLite; for PostgreSQL the connection string without Arachne's own parameters. */
  readonly location: string;
  /** Taken as given (`?table=`), else the spider name; the sinks sanitise it. */
  readonly table: string | undefined;
  readonly upsertKey: string | undefined;
}

/** Parameters Arachne reads from a database URI; PostgreSQL's own (sslmode…) are left to the driver. */
const ownParameters = ['table', 'upsert'];

/**
 * `items.db` (any path), `sqlite:items.db` (relative), `sqlite:///abs/items.db` (absolute, percent-decoded),
 * each of the `sqlite:` forms optionally followed by `?table=name&upsert=field`.
 */
export function sqliteTarget(target: string, options: OpenSinkOptions): DatabaseTarget {
  if (!target.startsWith('sqlite:')) return resolve(target, new URLSearchParams(), options);
  const [rest = '', query = ''] = splitOnce(target.slice('sqlite:'.length), '?');
  const parameters = new URLSearchParams(query);
  const unknown = [...parameters.keys()].filter((key) => !ownParameters.includes(key));
  if (unknown.length > 0) {
    throw new ConfigError(
      `unsupported parameter ${unknown.join(', ')} in "${target}": sqlite: outputs take table= and upsert=`,
    );
  }
  let path = rest;
  if (rest.startsWith('//')) {
    if (!rest.startsWith('///')) {
      throw new ConfigError(
        `"${target}" names a host: use sqlite:relative/path.db or sqlite:///absolute/path.db`,
      );
    }
    path = decodeURIComponent(rest.slice(2));
  }
  if (path === '') throw new ConfigError(`"${target}" names no database file`);
  return resolve(path, parameters, options);
}

/** A PostgreSQL connection string, `postgres://` or `postgresql://`, with optional `table=` and `upsert=`. */
export function postgresTarget(target: string, options: OpenSinkOptions): DatabaseTarget {
  let url: URL;
  try {
    url = new URL(target);
  } catch (error) {
    throw new ConfigError(`"${redact(target)}" is not a valid PostgreSQL URI`, { cause: error });
  }
  const parameters = new URLSearchParams(url.searchParams);
  for (const name of ownParameters) url.searchParams.delete(name);
  return resolve(url.toString(), parameters, options);
}

/**
 * The connection string as error messages show it: scheme, user, host, port and database, never the password
 * nor the query (which may hold one too).
 */
export function postgresLabel(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const user = url.username ? `${url.username}@` : '';
    return `${url.protocol}//${user}${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

function resolve(
  location: string,
  parameters: URLSearchParams,
  options: OpenSinkOptions,
): DatabaseTarget {
  const fromUri = parameters.get('upsert') ?? undefined;
  if (fromUri !== undefined && options.upsertKey !== undefined && fromUri !== options.upsertKey) {
    throw new ConfigError(
      `two upsert keys: "${fromUri}" in the output URI and "${options.upsertKey}" from the options`,
    );
  }
  const upsertKey = fromUri ?? options.upsertKey;
  if (upsertKey === '') throw new ConfigError('the upsert key is empty');
  return { location, table: parameters.get('table') ?? options.name, upsertKey };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

function redact(target: string): string {
  return target.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
