// The one place that decides which SQLite binding the store uses.
//
// better-sqlite3 first: it is what `npm install` builds (from source, see .npmrc). It is a native
// addon compiled for one Node ABI, so under a different Node (CI runs the isolation tests on
// Node 26 with the Node 20 build) it fails to load; then `node:sqlite` is used when the running
// Node has it (a capability check, not a version check). Otherwise: a clear error.
import { createRequire } from 'node:module';

export type SqlValue = string | number | bigint | null | Uint8Array;

export interface SqlRunResult {
  changes: number | bigint;
  lastInsertRowid: number | bigint;
}

/** The common subset of a prepared statement in both bindings; positional `?` parameters only. */
export interface SqlStatement {
  run(...params: SqlValue[]): SqlRunResult;
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
}

export type DriverName = 'better-sqlite3' | 'node:sqlite';

export interface SqlDatabase {
  readonly driver: DriverName;
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

export class SqliteUnavailableError extends Error {
  readonly code = 'SQLITE_UNAVAILABLE';
}

const require = createRequire(import.meta.url);

interface NativeDb {
  exec(sql: string): unknown;
  prepare(sql: string): SqlStatement;
  close(): unknown;
}
type NativeCtor = new (file: string, opts?: Record<string, unknown>) => NativeDb;

function wrap(driver: DriverName, db: NativeDb): SqlDatabase {
  return {
    driver,
    exec: (sql) => { db.exec(sql); },
    prepare: (sql) => db.prepare(sql),
    close: () => { db.close(); },
  };
}

function openBetterSqlite(file: string): SqlDatabase {
  const Database = require('better-sqlite3') as NativeCtor;
  // The native binding is loaded lazily by the constructor, so an ABI mismatch surfaces here.
  return wrap('better-sqlite3', new Database(file));
}

function openNodeSqlite(file: string): SqlDatabase {
  // `node:sqlite` is absent on Node 20 (ERR_UNKNOWN_BUILTIN_MODULE); @types/node 20 has no types for it.
  const { DatabaseSync } = require('node:sqlite') as { DatabaseSync: NativeCtor };
  return wrap('node:sqlite', new DatabaseSync(file));
}

/**
 * Open (creating if needed) a SQLite database file. `prefer` forces one driver (tests, and
 * HERMETIC_SQLITE_DRIVER for diagnosing a broken build); without it better-sqlite3 is tried first.
 */
export function openDatabase(file: string, prefer?: DriverName): SqlDatabase {
  const forced = prefer ?? (process.env.HERMETIC_SQLITE_DRIVER as DriverName | undefined);
  const order: DriverName[] = forced ? [forced] : ['better-sqlite3', 'node:sqlite'];
  const failures: string[] = [];
  for (const name of order) {
    try {
      return name === 'better-sqlite3' ? openBetterSqlite(file) : openNodeSqlite(file);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // A real database error (bad file, permissions) is not a driver problem: surface it.
      if (err.code && /^SQLITE_/.test(err.code)) throw e;
      failures.push(`${name}: ${err.message.split('\n')[0]}`);
    }
  }
  throw new SqliteUnavailableError(
    `no usable SQLite driver for Node ${process.version} (${failures.join('; ')}). ` +
      'Rebuild better-sqlite3 for this Node (`npm rebuild better-sqlite3`) or use a Node with node:sqlite (>= 22.13).',
  );
}
