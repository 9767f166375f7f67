// `arachne deploy` against a real `arachne serve`: versions uploaded, installed (a local file: package, never
// arachne itself), run as jobs against a local site, rolled back; hostile archives, missing tokens, big bodies and
// failing installs refused. npm runs offline: any download it tried would fail the test.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packTarGz, type TarEntry } from '../../src/deploy/tar.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli, spawnServe } from '../helpers/run-cli.js';
import { collectOutput, waitFor } from '../helpers/wait.js';

const token = 'deploy-test-token-0123456789';
const project = 'shop-spiders';
let site: LocalServer;
let tmp: string;
let dataDir: string;
let tokenFile: string;
let server: ChildProcess;
let url: string;

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience over JSON bodies
  json: any;
  text: string;
}

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${token}` },
): Promise<Answer> {
  const raw = body instanceof Buffer;
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...headers,
      ...(body !== undefined && { 'content-type': raw ? 'application/gzip' : 'application/json' }),
    },
    ...(body !== undefined && { body: raw ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

/** A project as `arachne new` makes it, plus a local package its spider imports; `release` marks the version. */
async function shopProject(release: string): Promise<string> {
  const dir = await mkdtemp(join(tmp, 'project-'));
  const lock = {
    name: '@team/shop-spiders',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': {
        name: '@team/shop-spiders',
        version: '1.0.0',
        dependencies: { arachne: '^0.1.0', greet: 'file:vendor/greet' },
        devDependencies: { typescript: '^5.9.0' },
      },
      // Registry entries npm could only download: the install must leave arachne (and what only it needs) out.
      'node_modules/arachne': {
        version: '0.1.0',
        resolved: 'https://registry.npmjs.org/arachne/-/arachne-0.1.0.tgz',
        integrity: 'sha512-AAAA',
        dependencies: { hono: '4.13.19' },
      },
      'node_modules/hono': {
        version: '4.13.19',
        resolved: 'https://registry.npmjs.org/hono/-/hono-4.13.19.tgz',
        integrity: 'sha512-BBBB',
      },
      'node_modules/greet': { resolved: 'vendor/greet', link: true },
      'node_modules/typescript': {
        version: '5.9.3',
        resolved: 'https://registry.npmjs.org/typescript/-/typescript-5.9.3.tgz',
        integrity: 'sha512-CCCC',
        dev: true,
      },
      'vendor/greet': { name: 'greet', version: '1.0.0' },
    },
  };
  await write(dir, {
    'package.json': JSON.stringify({
      name: '@team/shop-spiders',
      version: '1.0.0',
      type: 'module',
      dependencies: { arachne: '^0.1.0', greet: 'file:vendor/greet' },
      devDependencies: { typescript: '^5.9.0' },
    }),
    'package-lock.json': JSON.stringify(lock),
    'vendor/greet/package.json': JSON.stringify({
      name: 'greet',
      version: '1.0.0',
      type: 'module',
      exports: './index.js',
    }),
    'vendor/greet/index.js':
      "export function greet(name) { return 'hello ' + name + ' from greet'; }\n",
    'spiders/deployed.ts': `import { defineSpider } from 'arachne';
import { greet } from 'greet';

export default defineSpider({
  name: 'deployed',
  start: [${JSON.stringify(`${site.origin}/`)}],
  *parse(page) {
    yield { title: page.text('h1'), greeting: greet(page.text('h1')), release: ${JSON.stringify(release)} };
  },
});
`,
    // Never part of a deploy:
    'node_modules/left-over/index.js': 'export {};\n',
    '.git/config': '[core]\n',
    '.arachne/token': 'local-token\n',
  });
  return dir;
}

function deploy(dir: string, version: string, env: Record<string, string> = {}) {
  const auth = env.ARACHNE_TOKEN ? [] : ['--token-file', tokenFile];
  return runCli(['deploy', dir, '--server', url, ...auth, '--version', version], { env });
}

async function runJob(
  body: Record<string, unknown>,
): Promise<{ job: Answer['json']; items: unknown[] }> {
  const created = await api('POST', '/api/jobs', body);
  expect(created.status, created.text).toBe(201);
  const id = created.json.job.id as string;
  const job = await waitFor('the job to end', async () => {
    const { json } = await api('GET', `/api/jobs/${id}`);
    return ['finished', 'failed'].includes(json.job.status) ? json.job : undefined;
  });
  expect(job.status, job.error).toBe('finished');
  const items = await api('GET', `/api/jobs/${id}/items`);
  return {
    job,
    items: items.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line)),
  };
}

beforeAll(async () => {
  site = await startLocalServer({
    '/': '<title>shop</title><h1>Deployed</h1>',
    '/robots.txt': 'User-agent: *\nAllow: /\n',
  });
  tmp = await mkdtemp(join(tmpdir(), 'arachne-deploy-'));
  dataDir = join(tmp, 'data');
  tokenFile = join(tmp, 'token');
  await writeFile(tokenFile, `${token}\n`);
  const served = join(tmp, 'served');
  await mkdir(served);
  // The server and the npm it runs never reach a registry: a download attempt fails the install.
  process.env.npm_config_offline = 'true';
  process.env.npm_config_cache = join(tmp, 'npm-cache');
  process.env.npm_config_update_notifier = 'false';
  server = spawnServe(served, dataDir, { token, args: ['--max-deploy-size', '1'] });
  const stderr = collectOutput(server.stderr);
  [, url = ''] = await stderr.match(/listening on (http:\/\/\S+)/);
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
  await site?.close();
});

describe('arachne deploy', { timeout: 120_000 }, () => {
  it('uploads a version the server installs (a file: package, not arachne) and runs as a job', async () => {
    const dir = await shopProject('first');
    const result = await deploy(dir, 'v1');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^deployed shop-spiders v1 to http:\/\/127\.0\.0\.1:\d+: 5 files, 1 packages installed; spiders: deployed\n$/,
    );
    const versionDir = join(dataDir, 'projects', project, 'v1');
    expect(existsSync(join(versionDir, 'node_modules/greet/index.js'))).toBe(true);
    for (const absent of ['node_modules/arachne', 'node_modules/hono', 'node_modules/typescript']) {
      expect(existsSync(join(versionDir, absent)), absent).toBe(false);
    }
    for (const absent of ['node_modules/left-over', '.git', '.arachne']) {
      expect(existsSync(join(versionDir, absent)), absent).toBe(false);
    }

    const { job, items } = await runJob({ project, spider: 'deployed' });
    expect(job).toMatchObject({ project, version: 'v1', spider: 'deployed' });
    expect(items).toEqual([
      { title: 'Deployed', greeting: 'hello Deployed from greet', release: 'first' },
    ]);
  });

  it('a second version becomes current; rollback makes the first current again', async () => {
    const dir = await shopProject('second');
    const result = await deploy(dir, 'v2', { ARACHNE_TOKEN: token });
    expect(result.code, result.stderr).toBe(0);
    expect((await api('GET', '/api/projects')).json.projects).toEqual([
      { name: project, current: 'v2', latest: 'v2', versions: 2 },
    ]);
    const listed = (await api('GET', `/api/projects/${project}`)).json.versions;
    expect(
      listed.map((v: { version: string; current: boolean }) => [v.version, v.current]),
    ).toEqual([
      ['v1', false],
      ['v2', true],
    ]);

    const onLatest = await runJob({ project, spider: 'deployed' });
    expect(onLatest.job.version).toBe('v2');
    expect(onLatest.items).toMatchObject([{ release: 'second' }]);

    const again = await deploy(dir, 'v2');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refused \(AR_CONFLICT\): .*already has version "v2"/);

    const rolled = await api('POST', `/api/projects/${project}/rollback`, { version: 'v1' });
    expect(rolled.status, rolled.text).toBe(200);
    expect(rolled.json.version).toMatchObject({ version: 'v1', current: true });
    // Both at once (the server runs two jobs in parallel): the current version, and v2 chosen by name.
    const [afterRollback, chosen] = await Promise.all([
      runJob({ project, spider: 'deployed' }),
      runJob({ project, version: 'v2', spider: 'deployed' }),
    ]);
    expect(afterRollback.job.version).toBe('v1');
    expect(afterRollback.items).toMatchObject([{ release: 'first' }]);
    expect(chosen.job.version).toBe('v2');
    expect(chosen.items).toMatchObject([{ release: 'second' }]);

    const unknown = await api('POST', '/api/jobs', { project, version: 'v9', spider: 'deployed' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.field).toBe('version');

    expect((await api('DELETE', `/api/projects/${project}/versions/v1`)).status).toBe(409);
    expect((await api('DELETE', `/api/projects/${project}/versions/v2`)).status).toBe(204);
    expect(existsSync(join(dataDir, 'projects', project, 'v2'))).toBe(false);
    expect((await api('GET', '/api/projects')).json.projects).toEqual([
      { name: project, current: 'v1', latest: 'v1', versions: 1 },
    ]);
  });

  it.each<[string, TarEntry[]]>([
    ['../ in a path', [{ name: '../escaped.ts', data: Buffer.from('x') }]],
    ['.. further down', [{ name: 'spiders/../../escaped.ts', data: Buffer.from('x') }]],
    ['an absolute path', [{ name: '/tmp/arachne-deploy-escaped.ts', data: Buffer.from('x') }]],
    ['a symlink', [{ name: 'spiders/link.ts', type: '2', linkname: '/etc/passwd' }]],
    ['a hard link', [{ name: 'spiders/link.ts', type: '1', linkname: '../../token' }]],
  ])('refuses an archive with %s and keeps nothing of it', async (_, entries) => {
    const spider = { name: 'spiders/ok.ts', data: Buffer.from('export default 1;\n') };
    const answer = await api(
      'POST',
      '/api/projects/hostile/versions/v1',
      packTarGz([spider, ...entries]),
    );
    expect(answer.status, answer.text).toBe(400);
    expect(answer.json.error.code).toBe('AR_BAD_ARCHIVE');
    expect(existsSync('/tmp/arachne-deploy-escaped.ts')).toBe(false);
    expect(existsSync(join(dataDir, 'projects', 'escaped.ts'))).toBe(false);
    // Refused before anything was written: not even the project's directory exists.
    expect(existsSync(join(dataDir, 'projects', 'hostile'))).toBe(false);
    expect((await api('GET', '/api/projects/hostile')).status).toBe(404);
  });

  it('requires the token and bounds the upload size', async () => {
    const archive = packTarGz([{ name: 'a.ts', data: Buffer.from('x') }]);
    expect((await api('POST', '/api/projects/p/versions/v1', archive, {})).status).toBe(401);
    const wrong = { authorization: 'Bearer not-the-token-0123456789' };
    expect((await api('POST', '/api/projects/p/versions/v1', archive, wrong)).status).toBe(401);
    const big = await api('POST', '/api/projects/p/versions/v1', Buffer.alloc(1024 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('AR_BODY_TOO_LARGE');

    const noToken = await runCli(['deploy', tmp, '--server', url], { env: { ARACHNE_TOKEN: '' } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/needs the server token/);
    const help = await runCli(['deploy', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--token-file FILE/);
  });

  it('rejects a version whose install fails, with npm error lines, and keeps nothing', async () => {
    const dir = await mkdtemp(join(tmp, 'broken-'));
    await write(dir, {
      'package.json': JSON.stringify({ name: 'broken', dependencies: { 'left-pad': '1.3.0' } }),
      'package-lock.json': JSON.stringify({
        name: 'broken',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'broken', dependencies: { 'left-pad': '1.3.0' } },
          'node_modules/left-pad': {
            version: '1.3.0',
            resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz',
            integrity:
              'sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEBEUZ4o9iIpMm9IhHQ/qHptQnFgzxsnYArWDmcx8Nh8SQ==',
          },
        },
      }),
      'spider.ts':
        "import { defineSpider } from 'arachne';\nexport default defineSpider({ name: 'b', start: [], *parse() {} });\n",
    });
    const result = await deploy(dir, 'v1');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /refused \(AR_INSTALL_FAILED\): npm ci failed \(exit \d+\):\nnpm error/,
    );
    expect((await api('GET', '/api/projects/broken')).status).toBe(404);
    expect(existsSync(join(dataDir, 'projects', 'broken', 'v1'))).toBe(false);

    const noLock = await api(
      'POST',
      '/api/projects/broken/versions/v2',
      packTarGz([
        { name: 'package.json', data: Buffer.from(JSON.stringify({ dependencies: { x: '1' } })) },
      ]),
    );
    expect(noLock.status).toBe(422);
    expect(noLock.json.error.message).toMatch(/no package-lock\.json/);
  });
});
