/** Audit events in InfluxDB (`auditEvents.destination.influxdb`): measurement `audit_event`, its own connection. */

import { auditDestinationOn } from '../../audit/destination-types.ts';
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'audit-influxdb',
  enabled: (settings) =>
    auditDestinationOn(settings.auditEvents, 'influxdb') &&
    settings.auditEvents?.destination.influxdb !== undefined,
  async create(context) {
    return (await import('./destination.ts')).createAuditInfluxDestination(context);
  },
} satisfies DestinationPlugin;
