// The CLI end to end over SFTP: `arachne crawl sftp://… -o sftp://…/items.jsonl` with --ssh-key, --known-hosts and
// --accept-new-host-keys, and an output whose upload fails: a non-zero exit and one line naming the local copy.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';
import { type Sshd, sshdUp, startSshd } from '../helpers/sshd.js';

const up = await sshdUp();

describe.skipIf(!up)('arachne crawl over SFTP', () => {
  let sshd: Sshd;
  let scratch: string;
  beforeAll(async () => {
    sshd = await startSshd();
    scratch = await mkdtemp(join(tmpdir(), 'arachne-sftp-cli-'));
    await mkdir(join(sshd.root, 'site', 'docs'), { recursive: true });
    await writeFile(join(sshd.root, 'site', 'index.html'), '<title>Home</title>');
    await writeFile(join(sshd.root, 'site', 'docs', 'notes.txt'), 'notes');
  });
  afterAll(async () => {
    await sshd?.close();
  });

  it('crawls an sftp: tree into an sftp:// output, recording a new host key when told to', async () => {
    const knownHosts = join(scratch, 'known_hosts');
    const output = join(sshd.root, 'feeds', 'items.jsonl');
    const result = await runCli([
      'crawl',
      sshd.url(`${sshd.root}/site/`),
      '-o',
      sshd.url(output),
      '--ssh-key',
      sshd.privateKeyPath,
      '--known-hosts',
      knownHosts,
      '--accept-new-host-keys',
      '--log-level',
      'warn',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const records = (await readFile(output, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { url: string; title: string | null });
    const base = `sftp://127.0.0.1:${sshd.port}${sshd.root}/site/`;
    expect(records.map((record) => record.url).sort()).toEqual([
      base,
      `${base}docs/`,
      `${base}docs/notes.txt`,
      `${base}index.html`,
    ]);
    expect(records.find((record) => record.url.endsWith('index.html'))?.title).toBe('Home');
    expect(await readFile(knownHosts, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostKey}\n`);
  });

  it('exits non-zero when the output cannot be uploaded, naming the local copy it kept', async () => {
    const port = await freePort();
    // -O: the file is replaced, so nothing is fetched first and the crawl runs; its upload at the end fails.
    const result = await runCli([
      'crawl',
      sshd.url(`${sshd.root}/site/index.html`),
      '-O',
      `sftp://${sshd.user}@127.0.0.1:${port}/tmp/items.jsonl`,
      '--ssh-key',
      sshd.privateKeyPath,
      '--known-hosts',
      sshd.knownHostsPath,
    ]);
    expect(result.code).not.toBe(0);
    const kept = /the items are kept in (\S+)/.exec(result.stderr)?.[1];
    expect(result.stderr).toContain(
      `cannot upload items to sftp://127.0.0.1:${port}/tmp/items.jsonl`,
    );
    expect(kept).toBeDefined();
    expect(JSON.parse(await readFile(kept as string, 'utf8'))).toMatchObject({ title: 'Home' });
  });

  it('with -o, fails before crawling when the file to add to cannot be read', async () => {
    const port = await freePort();
    const result = await runCli([
      'crawl',
      sshd.url(`${sshd.root}/site/index.html`),
      '-o',
      `sftp://${sshd.user}@127.0.0.1:${port}/tmp/items.jsonl`,
      '--ssh-key',
      sshd.privateKeyPath,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toBe(
      `arachne crawl: cannot read sftp://127.0.0.1:${port}/tmp/items.jsonl to add to it: ` +
        `Network error (ECONNREFUSED): sftp://127.0.0.1:${port}/tmp/items.jsonl\n`,
    );
  });
});
