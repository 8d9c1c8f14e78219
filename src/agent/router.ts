/**
 * Fan-out: hands each record to every destination that accepts its kind, in registry order.
 * Destinations decide names and shapes; the router only loops. The lists per kind are built
 * once, so routing one record is one array walk.
 */
import type { Destination } from '../components/destination.ts';
import type { Logger } from '../logging/logger.ts';
import { type AgentRecord, RECORD_KINDS, type RecordKind } from '../records/record.ts';

export interface Router {
  route(record: AgentRecord): void;
  /** Records a destination failed to take (a mapping threw), per destination. */
  failures(): Record<string, number>;
}

export function createRouter(destinations: readonly Destination[], log: Logger): Router {
  const byKind = {} as Record<RecordKind, Destination[]>;
  for (const kind of RECORD_KINDS) byKind[kind] = destinations.filter((d) => d.accepts.has(kind));
  const failures: Record<string, number> = {};
  let lastLogMs = 0;

  function failed(destination: Destination, record: AgentRecord, error: unknown): void {
    failures[destination.name] = (failures[destination.name] ?? 0) + 1;
    // A mapping that throws is a bug; say so, but never once per record.
    const now = Date.now();
    if (now - lastLogMs < 10_000) return;
    lastLogMs = now;
    log.error(
      `ROUTER: ${destination.name} could not take a ${record.kind} record: ${(error as Error)?.message}`,
    );
  }

  return {
    route(record) {
      const targets = byKind[record.kind];
      for (let i = 0; i < targets.length; i++) {
        const destination = targets[i]!;
        try {
          destination.deliver(record);
        } catch (error) {
          failed(destination, record, error);
        }
      }
    },
    failures: () => ({ ...failures }),
  };
}
