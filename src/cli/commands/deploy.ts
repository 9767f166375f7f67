/** `arachne deploy [DIR]`: packs a spider project and uploads it to `arachne serve` as a new version. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Agent, fetch } from 'undici';
import { packProject } from '../../deploy/pack-project.js';
import { ConfigError } from '../../errors.js';

export const deployHelp = `Usage: arachne deploy [DIR] [options]

Packs the project in DIR (default .): its spider files, package.json, package-lock.json and any other file,
except node_modules/, .git/, .arachne/ and .arachne-cache/ at any depth, what DIR/.gitignore lists (never
package.json or the lockfile), and symlinks. Uploads it to an
arachne serve as a new version of the project; the server installs its dependencies (npm ci, never arachne
itself: spiders run on the server's copy), lists its spiders and makes it the current version. See docs/server.md.

Options:
      --server URL         the server (default $ARACHNE_SERVER, else http://127.0.0.1:6800)
      --token-file FILE    read the server's token from FILE (default: $ARACHNE_TOKEN)
      --project NAME       the project's name (default: package.json "name", else DIR's name)
      --version V          the version's name (default: the UTC time, e.g. 20261206T225100Z)
      --json               print the server's answer as JSON
  -h, --help               show this help`;

const flags = {
  server: { type: 'string' },
  'token-file': { type: 'string' },
  project: { type: 'string' },
  version: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Installing dependencies may take minutes: the answer comes only after it. */
const answerTimeoutMs = 15 * 60_000;

interface DeployAnswer {
  version?: {
    project: string;
    version: string;
    files: number;
    bytes: number;
    packages: number;
    spiders: Array<{ name: string; file: string }>;
    errors: Array<{ file: string; message: string }>;
  };
  error?: { code: string; message: string };
}

export async function deployCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: flags, allowPositionals: true });
  if (values.help) {
    process.stdout.write(`${deployHelp}\n`);
    return 0;
  }
  if (positionals.length > 1)
    throw new ConfigError(`deploy takes one directory, got ${positionals.length}`);
  const dir = positionals[0] ?? '.';
  const server = serverUrl(values.server ?? process.env.ARACHNE_SERVER ?? 'http://127.0.0.1:6800');
  const token = tokenFrom(values['token-file']);
  const packed = packProject(dir);
  const project = values.project ?? packed.defaultName;
  const version = values.version ?? timestampVersion(new Date());
  for (const path of packed.skipped) {
    process.stderr.write(`arachne deploy: skipped ${path} (not a regular file)\n`);
  }
  const url = new URL(
    `api/projects/${encodeURIComponent(project)}/versions/${encodeURIComponent(version)}`,
    server,
  );
  const dispatcher = new Agent({ headersTimeout: answerTimeoutMs, bodyTimeout: answerTimeoutMs });
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
      body: packed.archive,
      dispatcher,
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new ConfigError(`cannot reach ${server.origin}: ${cause ?? (error as Error).message}`);
  } finally {
    void dispatcher.close();
  }
  const text = await response.text();
  let answer: DeployAnswer;
  try {
    answer = JSON.parse(text) as DeployAnswer;
  } catch {
    throw new Error(
      `${server.origin} answered ${response.status} with no JSON (is it arachne serve?)`,
    );
  }
  if (values.json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  const deployed = answer.version;
  if (!response.ok || !deployed) {
    const error = answer.error ?? { code: String(response.status), message: text.slice(0, 200) };
    process.stderr.write(
      `arachne deploy: ${project} ${version} refused (${error.code}): ${error.message}\n`,
    );
    return 1;
  }
  if (!values.json) {
    const spiders = deployed.spiders.map((spider) => spider.name).join(', ');
    const packages =
      deployed.packages === 0
        ? 'no packages to install'
        : `${deployed.packages} packages installed`;
    process.stdout.write(
      `deployed ${deployed.project} ${deployed.version} to ${server.origin}: ${deployed.files} files, ${packages}; spiders: ${spiders}\n`,
    );
    for (const error of deployed.errors) {
      // The loader's message starts with the file's name already.
      const message = error.message.startsWith(error.file)
        ? error.message
        : `${error.file}: ${error.message}`;
      process.stderr.write(`arachne deploy: warning: ${message}\n`);
    }
  }
  return 0;
}

function serverUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`--server must be a URL such as http://127.0.0.1:6800, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`--server must be an http(s) URL, got "${raw}"`);
  }
  // The API paths are relative to it: a server behind a proxy under /arachne/ keeps its prefix.
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function tokenFrom(file: string | undefined): string {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `--token-file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      );
    }
    const token = text.trim();
    if (token === '') throw new ConfigError(`--token-file ${file} is empty`);
    return token;
  }
  const token = process.env.ARACHNE_TOKEN?.trim();
  if (!token) {
    throw new ConfigError(
      'deploy needs the server token: --token-file FILE (the server writes DATA_DIR/token) or ARACHNE_TOKEN',
    );
  }
  return token;
}

/** 2026-12-06T22:51:00.123Z → 20261206T225100Z: sortable, and fit for a directory name. */
export function timestampVersion(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}
