import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { postgresLabel, postgresTarget } from '../../src/storage/database-target.js';
import { openSink } from '../../src/storage/open-sink.js';
import { PostgresSink } from '../../src/storage/postgres-sink.js';
import { SqliteSink } from '../../src/storage/sqlite-sink.js';

describe('openSink for SQLite', () => {
  it.each([
    ['items.sqlite', 'items.sqlite', 'items'],
    ['data/items.SQLITE3', 'data/items.SQLITE3', 'items'],
    ['items.db', 'items.db', 'items'],
    ['sqlite:items.db', 'items.db', 'items'],
    ['sqlite:data/x.bin?table=Books', 'data/x.bin', 'books'],
    ['sqlite:///tmp/my%20dir/x.db?table=t', '/tmp/my dir/x.db', 't'],
  ])('reads %s as the file %s, table %s', (target, file, table) => {
    const sink = openSink(target);
    expect(sink).toBeInstanceOf(SqliteSink);
    expect((sink as SqliteSink).path).toBe(file);
    expect((sink as SqliteSink).table).toBe(table);
  });

  it('prefers the table in the URI to the spider name', () => {
    const sink = openSink('sqlite:x.db?table=mine', { name: 'spider' }) as SqliteSink;
    expect(sink.table).toBe('mine');
  });

  it.each([
    ['sqlite://host/x.db', 'names a host'],
    ['sqlite:', 'names no database file'],
    ['sqlite:x.db?tabel=t', 'unsupported parameter tabel'],
  ])('rejects %s with a ConfigError', (target, message) => {
    expect(() => openSink(target)).toThrow(ConfigError);
    expect(() => openSink(target)).toThrow(message);
  });

  it('rejects two different upsert keys from the URI and the options', () => {
    expect(() => openSink('sqlite:x.db?upsert=sku', { upsertKey: 'url' })).toThrow(
      'two upsert keys: "sku" in the output URI and "url" from the options',
    );
  });
});

describe('postgresTarget', () => {
  it('takes table= and upsert= out of the connection string and leaves the others', () => {
    const target = postgresTarget(
      'postgresql://u:p@db.example:6543/shop?sslmode=require&table=Books&upsert=sku',
      {},
    );
    expect(target).toEqual({
      location: 'postgresql://u:p@db.example:6543/shop?sslmode=require',
      table: 'Books',
      upsertKey: 'sku',
    });
  });

  it('shows connection strings without password nor query', () => {
    expect(postgresLabel('postgres://u:p@h:1/d?password=x')).toBe('postgres://u@h:1/d');
  });
});

describe('openSink for PostgreSQL', () => {
  it.each([
    ['postgres://u@h:5432/d?table=Books', 'books'],
    ['postgresql://u@h/d', 'spider'],
  ])('reads %s as table %s', (target, table) => {
    const sink = openSink(target, { name: 'Spider' });
    expect(sink).toBeInstanceOf(PostgresSink);
    expect((sink as PostgresSink).table).toBe(table);
  });

  it('rejects a URI it cannot parse with a ConfigError that hides the password', () => {
    expect(() => openSink('postgres://u:hunter2@[bad/d')).toThrow(ConfigError);
    expect(() => openSink('postgres://u:hunter2@[bad/d')).toThrow('"postgres://u:***@[bad/d"');
  });
});
