/**
 * The local store as a destination: the same points InfluxDB takes (in InfluxDB 2.x's shape),
 * every kind whatever InfluxDB's switches say, kept in SQLite with retention and a size cap.
 * The web UI reads the store this destination opens.
 */
import type { Destination, DestinationContext } from '../../components/destination.ts';
import { queuedDestination } from '../../components/queued-destination.ts';
import { resolveConfiguredPath } from '../../config/kit/paths.ts';
import type { DeliverySink } from '../../delivery/types.ts';
import { influxPointMappings } from '../../mapping/influx-points.ts';
import type { InfluxPoint } from '../../mapping/shapes.ts';
import { createLocalStore, type LocalStore } from './local-store.ts';

export interface LocalStoreDestination extends Destination {
  /** The open store, for the web UI's queries (undefined before start and after stop). */
  store(): LocalStore | undefined;
}

export function createLocalStoreDestination(context: DestinationContext): LocalStoreDestination {
  const { settings: s, log } = context;
  let store: LocalStore | undefined;
  const sink: DeliverySink<InfluxPoint> = {
    write(batch) {
      if (!store) return Promise.reject(new Error('local store not open'));
      return store.write(batch);
    },
  };
  const destination = queuedDestination({
    name: 'Local store',
    context,
    sink,
    maxBatchSize: 5000,
    mappings: influxPointMappings({
      settings: s,
      version: 2,
      agentVersion: context.version,
      honourSwitches: false,
      log,
    }),
    start() {
      store = createLocalStore({
        file: resolveConfiguredPath(s.localStore.file),
        retentionHours: s.localStore.retentionHours,
        maxBytes: s.localStore.maxSizeMB * 1024 * 1024,
        log,
      });
    },
    close() {
      store?.close();
      store = undefined;
    },
  });
  return Object.assign(destination, { store: () => store });
}
