// Remote outputs against real servers on 127.0.0.1 (OpenSSH sshd, pure-ftpd): written locally, uploaded beside the
// target and renamed over it (a reader never sees a partial file under the final name), appended to with -o,
// replaced with -O, and an upload that keeps failing is retried, reported, and fails naming the local copy it keeps.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCrawlError, RemoteOutputError } from '../../src/errors.js';
import { openSink } from '../../src/storage/open-sink.js';
import type { Item, Sink } from '../../src/storage/sink.js';
import { type FtpServer, ftpServerUp, startFtpServer } from '../helpers/ftp-server.js';
import { freePort } from '../helpers/local-server.js';
import { type Sshd, sshdUp, startSshd } from '../helpers/sshd.js';

const [sshUp, ftpUp] = [await sshdUp(), await ftpServerUp()];

const items = (count: number, tag: string): Item[] =>
  Array.from({ length: count }, (_, i) => ({ id: i, tag, text: `item ${i} of ${tag} `.repeat(8) }));
const jsonl = (batch: Item[]) => batch.map((item) => `${JSON.stringify(item)}\n`).join('');

async function writeAll(sink: Sink, batch: Item[]): Promise<void> {
  await sink.open();
  await sink.write(batch);
  await sink.flush();
}

/**
 * Closes the sink while reading `file` (the target, as the server stores it) again and again: every read must be
 * one whole version, the one before or the one after. Returns how many reads were made.
 */
async function closeWhileReading(sink: Sink, file: string, before: string, after: string) {
  let done = false;
  const closing = sink.close().finally(() => {
    done = true;
  });
  let reads = 0;
  for (let i = 0; i < 100_000 && !done; i++) {
    const seen = await readFile(file, 'utf8').catch(() => before);
    expect(seen === before || seen === after).toBe(true);
    reads++;
  }
  await closing;
  return reads;
}

const partFiles = async (file: string) =>
  (await readdir(dirname(file))).filter((name) => name.includes('.part-'));

describe.skipIf(!sshUp)('sftp:// outputs', () => {
  let sshd: Sshd;
  const remote = () => ({
    ssh: { keyPath: sshd.privateKeyPath, knownHostsPath: sshd.knownHostsPath },
    retryDelaysMs: [10, 10],
  });

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.close();
  });

  it('uploads beside the target and renames over it: never a partial file under the final name', async () => {
    const file = join(sshd.root, 'out', 'atomic.jsonl');
    const old = items(3, 'old');
    const first = openSink(sshd.url(file), { remote: remote() });
    await writeAll(first, old);
    await first.close();
    expect(await readFile(file, 'utf8')).toBe(jsonl(old));
    // Big enough that the upload takes many SFTP writes; -O: replaced, not added to.
    const fresh = items(20_000, 'new');
    const second = openSink(sshd.url(file), { remote: remote(), append: false });
    await writeAll(second, fresh);
    const reads = await closeWhileReading(second, file, jsonl(old), jsonl(fresh));
    expect(reads).toBeGreaterThan(0);
    expect(await readFile(file, 'utf8')).toBe(jsonl(fresh));
    expect(await partFiles(file)).toEqual([]);
  });

  it('adds to an existing file with append (-o), in the format of its name', async () => {
    const file = join(sshd.root, 'out', 'more.csv');
    await writeFile(file, 'id,tag\r\n0,before\r\n');
    const sink = openSink(sshd.url(file), { remote: remote(), append: true });
    await writeAll(sink, [{ id: 1, tag: 'after' }]);
    await sink.close();
    expect(await readFile(file, 'utf8')).toBe('id,tag\r\n0,before\r\n1,after\r\n');
  });

  it('retries a failing upload, reports each failure, then fails naming the local copy it keeps', async () => {
    const port = await freePort(); // nothing listens there
    const warnings: string[] = [];
    const sink = openSink(`sftp://${sshd.user}@127.0.0.1:${port}/tmp/lost.jsonl`, {
      remote: remote(),
      onWarning: (message) => warnings.push(message),
    });
    const batch = items(2, 'kept');
    await writeAll(sink, batch);
    const error = await sink.close().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(RemoteOutputError);
    expect(isCrawlError(error) && error.code).toBe('AR_STORAGE');
    const { localCopy, message } = error as RemoteOutputError;
    expect(message).toBe(
      `cannot upload items to sftp://127.0.0.1:${port}/tmp/lost.jsonl: Network error (ECONNREFUSED): ` +
        `sftp://127.0.0.1:${port}/tmp/lost.jsonl; the items are kept in ${localCopy}`,
    );
    expect(await readFile(localCopy, 'utf8')).toBe(jsonl(batch));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/failed \(.*ECONNREFUSED.*\), attempt 1 of 3: retrying in 10 ms$/);
  });

  it('does not upload a copy whose writing failed, and says where it is', async () => {
    const file = join(sshd.root, 'out', 'broken.jsonl');
    const warnings: string[] = [];
    const sink = openSink(sshd.url(file), {
      remote: remote(),
      onWarning: (message) => warnings.push(message),
    });
    await sink.open();
    await sink.write(items(1, 'fine'));
    const cyclic: Item = {};
    cyclic.self = cyclic;
    await expect(sink.write([cyclic])).rejects.toThrow(/cannot be encoded as JSON/);
    await sink.close();
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^sftp:\/\/127\.0\.0\.1:\d+\/.*\/broken\.jsonl was not uploaded: writing its local copy failed; what was written is in \/.*\/broken\.jsonl$/,
      ),
    ]);
  });

  it('does not retry an unknown host key', async () => {
    const warnings: string[] = [];
    const sink = openSink(sshd.url(join(sshd.root, 'out', 'refused.jsonl')), {
      remote: {
        ...remote(),
        ssh: { keyPath: sshd.privateKeyPath, knownHostsPath: '/nonexistent' },
      },
      onWarning: (message) => warnings.push(message),
    });
    await writeAll(sink, items(1, 'x'));
    await expect(sink.close()).rejects.toThrow(/host key of 127\.0\.0\.1 is not in \/nonexistent/);
    expect(warnings).toEqual([]);
  });

  it('refuses a target that names a directory or an unknown format, naming the target', () => {
    expect(() => openSink(sshd.url('/tmp/'), { remote: remote() })).toThrow(/names a directory/);
    expect(() => openSink(sshd.url('/tmp/items.txt'), { remote: remote() })).toThrow(
      `unsupported output "sftp://127.0.0.1:${sshd.port}/tmp/items.txt"`,
    );
  });
});

describe.skipIf(!ftpUp)('ftp:// outputs', () => {
  let ftp: FtpServer;
  beforeAll(async () => {
    ftp = await startFtpServer();
  });
  afterAll(async () => {
    await ftp?.close();
  });
  const remote = { retryDelaysMs: [10, 10] };

  it('uploads atomically, replaces with -O and adds with -o', async () => {
    const file = join(ftp.root, 'feeds', 'items.jsonl');
    const old = items(3, 'old');
    const first = openSink(ftp.url('/feeds/items.jsonl'), { remote, append: true });
    await writeAll(first, old);
    await first.close();
    expect(await readFile(file, 'utf8')).toBe(jsonl(old));
    const fresh = items(20_000, 'new');
    const second = openSink(ftp.url('/feeds/items.jsonl'), { remote, append: false });
    await writeAll(second, fresh);
    expect(await closeWhileReading(second, file, jsonl(old), jsonl(fresh))).toBeGreaterThan(0);
    expect(await readFile(file, 'utf8')).toBe(jsonl(fresh));
    const third = openSink(ftp.url('/feeds/items.jsonl'), { remote, append: true });
    const more = items(1, 'more');
    await writeAll(third, more);
    await third.close();
    expect(await readFile(file, 'utf8')).toBe(jsonl(fresh) + jsonl(more));
    expect(await partFiles(file)).toEqual([]);
  });

  it('fails on a wrong password without retrying, keeping the local copy', async () => {
    const warnings: string[] = [];
    const sink = openSink(`ftp://${ftp.user}:wrong@127.0.0.1:${ftp.port}/x.jsonl`, {
      remote,
      onWarning: (message) => warnings.push(message),
    });
    await writeAll(sink, items(1, 'x'));
    const error = (await sink.close().catch((failure: unknown) => failure)) as RemoteOutputError;
    expect(error).toBeInstanceOf(RemoteOutputError);
    expect(error.message).toMatch(
      /^cannot upload items to ftp:\/\/127\.0\.0\.1:\d+\/x\.jsonl: FTP login refused/,
    );
    expect(error.message).not.toContain('wrong');
    expect(await readFile(error.localCopy, 'utf8')).toBe(jsonl(items(1, 'x')));
    expect(warnings).toEqual([]);
  });
});
