// The deploy archive on its own: what the writer packs the reader gives back, and what the reader refuses.
import { symlinkSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { packProject, projectNameOf } from '../../src/deploy/pack-project.js';
import { packTarGz, unpackTarGz } from '../../src/deploy/tar.js';

const limits = { maxUnpackedBytes: 1024 * 1024, maxEntries: 100 };

describe('tar.gz', () => {
  it('unpacks what it packed, long paths and empty files included', () => {
    const long = `${'deep/'.repeat(30)}spider.ts`;
    const files = [
      { name: 'package.json', data: Buffer.from('{"name":"x"}') },
      { name: long, data: Buffer.from('export default 1;\n'.repeat(100)) },
      { name: 'empty.txt', data: Buffer.alloc(0) },
    ];
    expect(long.length).toBeGreaterThan(100);
    expect(unpackTarGz(packTarGz(files), limits)).toEqual(
      files.map(({ name, data }) => ({ path: name, data })),
    );
  });

  it('normalises ./ and skips directory entries', () => {
    const archive = packTarGz([
      { name: 'spiders', type: '5' },
      { name: './spiders/a.ts', data: Buffer.from('a') },
    ]);
    expect(unpackTarGz(archive, limits)).toEqual([
      { path: 'spiders/a.ts', data: Buffer.from('a') },
    ]);
  });

  it.each([
    ['a path climbing out', [{ name: 'a/../../x', data: Buffer.from('x') }], /climbs out/],
    ['an absolute path', [{ name: '/etc/cron.d/x', data: Buffer.from('x') }], /absolute/],
    ['a backslash path', [{ name: '..\\x', data: Buffer.from('x') }], /backslash/],
    ['a symlink', [{ name: 'a.ts', type: '2' as const, linkname: '/etc/passwd' }], /symlink/],
    ['a hard link', [{ name: 'a.ts', type: '1' as const, linkname: 'b.ts' }], /hard link/],
    [
      'a duplicate',
      [
        { name: 'a.ts', data: Buffer.from('1') },
        { name: './a.ts', data: Buffer.from('2') },
      ],
      /twice/,
    ],
  ])('refuses %s', (_, entries, message) => {
    expect(() => unpackTarGz(packTarGz(entries), limits)).toThrow(message);
  });

  it('refuses what is not a whole tar.gz, and stops a gzip bomb at the limit', () => {
    const error = { name: 'ArchiveError', code: 'AR_BAD_ARCHIVE' };
    expect(() => unpackTarGz(Buffer.from('not gzip'), limits)).toThrow(
      expect.objectContaining(error),
    );
    expect(() => unpackTarGz(gzipSync(Buffer.alloc(1024, 7)), limits)).toThrow(/not a tar file/);
    const whole = packTarGz([{ name: 'a.ts', data: Buffer.alloc(2000, 1) }]);
    const truncated = gzipSync(gunzipSync(whole).subarray(0, 1024));
    expect(() => unpackTarGz(truncated, limits)).toThrow(/ends inside/);
    const bomb = packTarGz([{ name: 'zeros', data: Buffer.alloc(4 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(20_000);
    expect(() => unpackTarGz(bomb, limits)).toThrow(/more than 1048576 bytes/);
    const many = packTarGz(Array.from({ length: 101 }, (_, i) => ({ name: `f${i}` })));
    expect(() => unpackTarGz(many, limits)).toThrow(/more than 100 entries/);
  });
});

describe('packProject', () => {
  async function project(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-pack-'));
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return dir;
  }

  it('packs the project without installed packages, Git data, Arachne data dirs or symlinks', async () => {
    const dir = await project({
      'package.json': '{"name":"@team/shop-spiders"}',
      'spiders/a.ts': 'a',
      'spiders/node_modules/x.js': 'x',
      'node_modules/y/index.js': 'y',
      '.git/HEAD': 'ref',
      '.arachne/token': 'secret',
      'spiders/.arachne/contracts-cache.sqlite': 'c',
      '.arachne-cache/z': 'z',
    });
    symlinkSync('/etc/passwd', join(dir, 'spiders', 'link.ts'));
    const packed = packProject(dir);
    expect(packed.files).toEqual(['package.json', 'spiders/a.ts']);
    expect(packed.skipped).toEqual(['spiders/link.ts']);
    expect(packed.defaultName).toBe('shop-spiders');
    expect(unpackTarGz(packed.archive, limits).map((file) => file.path)).toEqual(packed.files);
  });

  it("leaves out what the project's .gitignore lists, but never package.json or the lockfile", async () => {
    const dir = await project({
      '.gitignore': '# outputs\nitems.*\n/build/\ndocs/**/*.pdf\npackage-lock.json\n!keep.txt\n',
      'package.json': '{}',
      'package-lock.json': '{}',
      'items.jsonl': 'big',
      'spiders/items.csv': 'big',
      'spiders/a.ts': 'a',
      'build/out.js': 'b',
      'spiders/build/kept.ts': 'k',
      'docs/x/y/manual.pdf': 'p',
      'docs/readme.md': 'r',
    });
    expect(packProject(dir).files).toEqual([
      '.gitignore',
      'docs/readme.md',
      'package-lock.json',
      'package.json',
      'spiders/a.ts',
      'spiders/build/kept.ts',
    ]);
  });

  it('refuses a file: dependency outside the project, which the server could not install', async () => {
    const dir = await project({
      'package.json': JSON.stringify({ dependencies: { lib: 'file:../lib' } }),
    });
    expect(() => packProject(dir)).toThrow(/"lib" is file:\.\.\/lib, outside the project/);
  });

  it('makes a project name fit for a directory', () => {
    expect(projectNameOf('@scope/My Spiders!')).toBe('My-Spiders-');
    expect(projectNameOf('...')).toBe('project');
  });
});
