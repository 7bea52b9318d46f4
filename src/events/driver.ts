// The one place that opens SQLite: Node's built-in `node:sqlite` (Node >= 22.13). No native
// addon, so `npm install` compiles nothing for the store and downloads nothing but registry
// tarballs. The rest of the store sees only the small interface below, never the binding.
import { createRequire } from 'node:module';
import type { DatabaseSync as DatabaseSyncType } from 'node:sqlite';

export type SqlValue = string | number | bigint | null | Uint8Array;

export interface SqlRunResult {
  changes: number | bigint;
  lastInsertRowid: number | bigint;
}

/** The subset of a prepared statement the store uses; positional `?` parameters only. */
export interface SqlStatement {
  run(...params: SqlValue[]): SqlRunResult;
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
}

export type DriverName = 'node:sqlite';

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

/**
 * Load `node:sqlite` without its one-time ExperimentalWarning (Node 22 and 24 print it on the
 * first load; users of a CLI should not see a runtime's stability label on every command).
 * Only that exact warning is dropped; any other warning passes through untouched.
 */
function loadNodeSqlite(): { DatabaseSync: typeof DatabaseSyncType } {
  const original = process.emitWarning;
  process.emitWarning = function filtered(this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = typeof warning === 'string' ? type : warning.name;
    if (name === 'ExperimentalWarning' && /SQLite/i.test(text)) return;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- emitWarning's overloads cannot be re-spread in a typed way
    return (original as (...a: any[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return require('node:sqlite') as { DatabaseSync: typeof DatabaseSyncType };
  } finally {
    process.emitWarning = original;
  }
}

/** Open (creating if needed) a SQLite database file. */
export function openDatabase(file: string): SqlDatabase {
  let DatabaseSync: typeof DatabaseSyncType;
  try {
    ({ DatabaseSync } = loadNodeSqlite());
  } catch (e) {
    throw new SqliteUnavailableError(
      `node:sqlite is not available in Node ${process.version} (${(e as Error).message.split('\n')[0]}); ` +
        'Hermetic needs Node.js >= 22.13.',
    );
  }
  const db = new DatabaseSync(file);
  return {
    driver: 'node:sqlite',
    exec: (sql) => { db.exec(sql); },
    prepare: (sql) => db.prepare(sql) as unknown as SqlStatement,
    close: () => { db.close(); },
  };
}
