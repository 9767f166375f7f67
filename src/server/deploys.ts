/**
 * Deployed projects (`arachne deploy`): each version unpacked into DATA_DIR/projects/<project>/<version>/, its
 * dependencies installed there, its spiders scanned like the server's project directory; one version per project
 * is current (the newest upload, until a rollback picks an older one).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unpackTarGz } from '../deploy/tar.js';
import { ArchiveError } from '../errors.js';
import { ApiError, badRequest, conflict, notFound } from './api-error.js';
import { InstallError, type InstallOptions, installDependencies } from './deploy-install.js';
import type { JobStore } from './job-store.js';
import { ProjectSpiders } from './project-spiders.js';
import { resolveInside } from './safe-path.js';
import type { DeployedVersion, ProjectSummary } from './types.js';

/** Project and version names become directory names: a strict shape, checked before any path is built. */
const namePattern = /^[A-Za-z0-9_][\w.+-]{0,63}$/;

export interface DeploysOptions {
  /** An uploaded archive may not be larger (compressed). @default 50 MiB */
  maxUploadBytes?: number;
  install?: InstallOptions;
}

export class Deploys {
  readonly #store: JobStore;
  readonly #root: string;
  readonly #install: InstallOptions;
  readonly maxUploadBytes: number;
  /** One scanner per version: a version's files never change, so each scans once. */
  readonly #scanners = new Map<string, ProjectSpiders>();
  /** Deploys of one project run one after the other (the version check and the rename stay consistent). */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(store: JobStore, dataDir: string, options: DeploysOptions = {}) {
    this.#store = store;
    this.#root = join(dataDir, 'projects');
    this.#install = options.install ?? {};
    this.maxUploadBytes = options.maxUploadBytes ?? 50 * 1024 * 1024;
    mkdirSync(this.#root, { recursive: true, mode: 0o700 });
  }

  list(): ProjectSummary[] {
    const current = this.#store.currentVersions();
    const byProject = new Map<string, ProjectSummary>();
    for (const version of this.#store.listVersions()) {
      const summary = byProject.get(version.project);
      if (summary) {
        summary.versions++;
        summary.latest = version.version;
      } else {
        byProject.set(version.project, {
          name: version.project,
          current: current.get(version.project) ?? version.version,
          latest: version.version,
          versions: 1,
        });
      }
    }
    return [...byProject.values()];
  }

  /** A project's versions, oldest first; 404 for a project never deployed. */
  versions(project: string): DeployedVersion[] {
    const current = this.#store.currentVersions().get(project);
    const versions = isName(project) ? this.#store.listVersions(project) : [];
    if (versions.length === 0) throw notFound(`no deployed project "${project}"`);
    return versions.map((version) => ({ ...version, current: version.version === current }));
  }

  /** The version a job runs: `version` if the project has it, else (null) the current one; 400 naming the field. */
  resolve(project: string, version: string | null): string {
    const current = this.#store.currentVersions().get(project);
    if (!isName(project) || current === undefined) {
      throw badRequest(
        `project: no deployed project "${project}" (see GET /api/projects)`,
        'project',
      );
    }
    if (version === null) return current;
    if (!this.#store.listVersions(project).some((v) => v.version === version)) {
      throw badRequest(`version: project "${project}" has no version "${version}"`, 'version');
    }
    return version;
  }

  /** The absolute file of spider `name` in that version, or undefined. */
  async spiderFile(project: string, version: string, name: string): Promise<string | undefined> {
    const meta = this.#store.listVersions(project).find((v) => v.version === version);
    if (!meta) return undefined;
    return this.#scanner(project, version, meta.spidersDir).fileOf(name);
  }

  /** Marks an existing version current. */
  rollback(project: string, version: string): DeployedVersion {
    const found = this.versions(project).find((v) => v.version === version);
    if (!found) throw notFound(`project "${project}" has no version "${version}"`);
    this.#store.setCurrentVersion(project, version);
    return { ...found, current: true };
  }

  /** Deletes a version that is not current (jobs that ran it keep their items; resuming them fails). */
  delete(project: string, version: string): void {
    const found = this.versions(project).find((v) => v.version === version);
    if (!found) throw notFound(`project "${project}" has no version "${version}"`);
    if (found.current) {
      throw conflict(
        `version "${version}" is current: roll back to another one before deleting it`,
      );
    }
    this.#store.deleteVersion(project, version);
    this.#scanners.delete(`${project}/${version}`);
    rmSync(this.#versionDir(project, version), { recursive: true, force: true });
  }

  /** Unpacks, installs and scans a new version, then makes it current. Nothing is kept when a step fails. */
  add(project: string, version: string, archive: Buffer): Promise<DeployedVersion> {
    checkName(project, 'project');
    checkName(version, 'version');
    const previous = this.#queues.get(project) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#add(project, version, archive));
    this.#queues.set(project, next);
    void next
      .finally(() => {
        if (this.#queues.get(project) === next) this.#queues.delete(project);
      })
      .catch(() => {});
    return next;
  }

  async #add(project: string, version: string, archive: Buffer): Promise<DeployedVersion> {
    if (this.#store.listVersions(project).some((v) => v.version === version)) {
      throw conflict(
        `project "${project}" already has version "${version}" (deploy another --version)`,
      );
    }
    const files = unpack(archive, this.maxUploadBytes);
    const projectDir = join(this.#root, project);
    mkdirSync(projectDir, { recursive: true, mode: 0o700 });
    const staging = join(projectDir, `.incoming-${randomBytes(6).toString('hex')}`);
    const target = this.#versionDir(project, version);
    try {
      mkdirSync(staging, { mode: 0o700 });
      let bytes = 0;
      for (const file of files) {
        // The reader already refused `..` and absolute paths; resolveInside also refuses a file under another.
        const path = resolveInside(staging, file.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.data, { flag: 'wx', mode: 0o644 });
        bytes += file.data.length;
      }
      const packages = await installDependencies(staging, this.#install).catch((error: unknown) => {
        if (error instanceof InstallError)
          throw new ApiError(422, 'AR_INSTALL_FAILED', error.message);
        throw error;
      });
      if (existsSync(target))
        throw conflict(`project "${project}" already has version "${version}"`);
      renameSync(staging, target);
      const spidersDir = isDirectory(join(target, 'spiders')) ? 'spiders' : '.';
      const scan = await this.#scanner(project, version, spidersDir).scan();
      if (scan.spiders.length === 0) {
        const why = scan.errors.map((e) => `${e.file}: ${e.message}`).join('; ');
        throw badRequest(
          `no spiders in the deploy (looked in ${spidersDir === '.' ? 'its top directory' : 'spiders/'})${why ? `: ${why}` : ''}`,
          'archive',
        );
      }
      const meta: Omit<DeployedVersion, 'current'> = {
        project,
        version,
        createdAt: new Date().toISOString(),
        files: files.length,
        bytes,
        spidersDir,
        spiders: scan.spiders,
        errors: scan.errors,
        packages,
      };
      this.#store.insertVersion(meta);
      return { ...meta, current: true };
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      this.#scanners.delete(`${project}/${version}`);
      if (!this.#store.listVersions(project).some((v) => v.version === version)) {
        rmSync(target, { recursive: true, force: true });
      }
      throw error;
    }
  }

  #scanner(project: string, version: string, spidersDir: string): ProjectSpiders {
    const key = `${project}/${version}`;
    let scanner = this.#scanners.get(key);
    if (!scanner) {
      const dir = this.#versionDir(project, version);
      scanner = new ProjectSpiders(spidersDir === '.' ? dir : resolveInside(dir, spidersDir));
      this.#scanners.set(key, scanner);
    }
    return scanner;
  }

  #versionDir(project: string, version: string): string {
    return resolveInside(this.#root, join(project, version));
  }
}

function unpack(archive: Buffer, maxUploadBytes: number) {
  try {
    // A generous ratio for source text, still a hard stop for a gzip bomb.
    return unpackTarGz(archive, { maxUnpackedBytes: maxUploadBytes * 20, maxEntries: 20_000 });
  } catch (error) {
    if (error instanceof ArchiveError)
      throw new ApiError(400, 'AR_BAD_ARCHIVE', error.message, 'archive');
    throw error;
  }
}

function isName(value: string): boolean {
  return namePattern.test(value);
}

function checkName(value: string, field: 'project' | 'version'): void {
  if (!isName(value)) {
    throw badRequest(
      `${field} must be 1 to 64 letters, digits, _ . + - (not starting with . + -), got ${JSON.stringify(value)}`,
      field,
    );
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
