// `arachne crawl ftp://… -o out.jsonl` and `arachne crawl file://…`: the no-code crawl mirrors a tree, with the FTP
// flags (--ftp-user, --ftp-password-env, --ftp-connections, --insecure) end to end through the real binary.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FtpServer, ftpServerUp, startFtpServer } from '../helpers/ftp-server.js';
import { freePort } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

const up = await ftpServerUp();
let server: FtpServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-ftp-cli-'));
  if (!up) return;
  server = await startFtpServer({
    files: {
      'readme.txt': 'hello\n',
      'pub/a.txt': 'a',
      'pub/deep/b.txt': 'b',
    },
  });
});
afterAll(() => server?.close());

const readLines = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe.skipIf(!up)('arachne crawl ftp://…', () => {
  it('mirrors the tree to JSONL, credentials from the URL, depth limited, none of them written', async () => {
    const out = join(dir, 'url.jsonl');
    const result = await runCli([
      'crawl',
      server.url('/'),
      '-o',
      out,
      '--max-depth',
      '1',
      '--ftp-connections',
      '1',
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const base = `ftp://127.0.0.1:${server.port}`;
    const records = await readLines(out);
    expect(records.map((record) => record.url).sort()).toEqual(
      [`${base}/`, `${base}/pub/`, `${base}/readme.txt`].sort(),
    );
    expect(records.find((record) => record.url === `${base}/readme.txt`)).toMatchObject({
      status: 200,
      depth: 1,
      contentType: 'text/plain',
      bytes: 6,
    });
    expect(records.find((record) => record.url === `${base}/pub/`)).toMatchObject({
      title: 'Index of /pub/',
      links: [`${base}/pub/a.txt`, `${base}/pub/deep/`],
    });
    expect(await readFile(out, 'utf8')).not.toContain(server.password);
    expect(result.stdout + result.stderr).not.toContain(server.password);
  });

  it('names a failing FTP URL without its password', async () => {
    const port = await freePort();
    const result = await runCli([
      'crawl',
      `ftp://alice:hunter2@127.0.0.1:${port}/pub/`,
      '--retries',
      '0',
      '--no-progress',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('AR_NETWORK');
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });

  it('logs in with --ftp-user and the password from --ftp-password-env, over TLS with --insecure', async () => {
    const out = join(dir, 'env.jsonl');
    const result = await runCli(
      [
        'crawl',
        `ftps://127.0.0.1:${server.port}/pub/deep/`,
        '-o',
        out,
        '--ftp-user',
        server.user,
        '--ftp-password-env',
        'FTP_TEST_PASSWORD',
        '--insecure',
        '--no-progress',
      ],
      { env: { FTP_TEST_PASSWORD: server.password } },
    );
    expect(result.code, result.stderr).toBe(0);
    const records = await readLines(out);
    expect(records.map((record) => [record.url, record.status])).toEqual([
      [`ftps://127.0.0.1:${server.port}/pub/deep/`, 200],
      [`ftps://127.0.0.1:${server.port}/pub/deep/b.txt`, 200],
    ]);
  });
});

describe('arachne crawl file://…', () => {
  it('mirrors a local directory', async () => {
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'sub'), { recursive: true });
    await writeFile(join(tree, 'sub', 'x.html'), '<title>X</title>');
    const out = join(dir, 'files.jsonl');
    const start = `${pathToFileURL(tree).href}/`;
    const result = await runCli(['crawl', start, '-o', out, '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    const records = await readLines(out);
    expect(records.map((record) => [record.url, record.title])).toEqual([
      [start, `Index of ${tree}/`],
      [`${start}sub/`, `Index of ${tree}/sub/`],
      [`${start}sub/x.html`, 'X'],
    ]);
  });

  it('refuses other schemes with one line', async () => {
    const result = await runCli(['crawl', 'gopher://hole.example/1', '--no-progress']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'only http, https, ftp, ftps, sftp, file, imap, imaps, pop3, pop3s, ws and wss URLs can be crawled, got "gopher://hole.example/1"',
    );
  });
});
