/** Audit events as PARQUET files (`auditEvents.destination.parquet`): one file per flush. */

import { auditDestinationOn } from '../../audit/destination-types.ts';
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'audit-parquet',
  enabled: (settings) =>
    auditDestinationOn(settings.auditEvents, 'parquet') &&
    settings.auditEvents?.destination.parquet !== undefined,
  async create(context) {
    return (await import('./destination.ts')).createAuditParquetDestination(context);
  },
} satisfies DestinationPlugin;
