// Public face of the security-event store. Other modules use these types and openEventStore();
// none of them sees SQL.
import type { EventStore, EventStoreOptions } from './types.js';
import { createEventStore } from './store.js';

export * from './types.js';
export { EventQueryError, SEVERITIES } from './store.js';
export { SqliteUnavailableError, type DriverName } from './driver.js';
export { SchemaTooNewError, SCHEMA_VERSION } from './migrations.js';
export { sanitizeDetails } from './privacy.js';

/** Open the store in `config.dataDir` (a full Config works: its logFileNames is honoured). */
export function openEventStore(config: EventStoreOptions): EventStore {
  return createEventStore(config);
}
