/** Who changed what: every job and schedule change made through the API, by token name, kept in server.db. */
import type Database from 'better-sqlite3';

export type AuditAction =
  | 'job.create'
  | 'job.pause'
  | 'job.resume'
  | 'job.cancel'
  | 'job.delete'
  | 'schedule.create'
  | 'schedule.update'
  | 'schedule.pause'
  | 'schedule.resume'
  | 'schedule.delete'
  | 'project.deploy'
  | 'project.rollback'
  | 'project.delete'
  | 'token.add'
  | 'token.revoke';

export interface AuditEntry {
  /** Increases with every entry. */
  id: number;
  at: string;
  /** The token's name; `scheduler` for a job a schedule started, `cli` for `arachne serve token` commands. */
  token: string;
  action: AuditAction;
  /** The job id, schedule id or token name acted on. */
  target: string;
}

const schema = `
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  token TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_target ON audit (target, seq);
`;

/** The newest entries kept; older ones are dropped as new ones come (a few MB of SQLite at most). */
export const auditKept = 100_000;

export class AuditLog {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #prune: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#db.exec(schema);
    this.#insert = db.prepare('INSERT INTO audit (at, token, action, target) VALUES (?, ?, ?, ?)');
    this.#prune = db.prepare('DELETE FROM audit WHERE seq <= ?');
  }

  record(token: string, action: AuditAction, target: string): void {
    const { lastInsertRowid } = this.#insert.run(new Date().toISOString(), token, action, target);
    this.#prune.run(Number(lastInsertRowid) - auditKept);
  }

  /** Newest first; `target` keeps the entries of one job, schedule or token. */
  page(offset: number, limit: number, target?: string): { entries: AuditEntry[]; total: number } {
    const where = target === undefined ? '' : 'WHERE target = ?';
    const args = target === undefined ? [] : [target];
    const rows = this.#db
      .prepare(
        `SELECT seq AS id, at, token, action, target FROM audit ${where} ORDER BY seq DESC LIMIT ? OFFSET ?`,
      )
      .all(...args, limit, offset) as AuditEntry[];
    const { n } = this.#db.prepare(`SELECT count(*) AS n FROM audit ${where}`).get(...args) as {
      n: number;
    };
    return { entries: rows, total: n };
  }
}
