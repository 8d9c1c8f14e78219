/** Audit events as JSON files (`auditEvents.destination.json`): one file per event that carries object data. */

import { auditDestinationOn } from '../../audit/destination-types.ts';
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'audit-json',
  enabled: (settings) =>
    auditDestinationOn(settings.auditEvents, 'json') &&
    settings.auditEvents?.destination.json?.objectdata.enable === true,
  async create(context) {
    return (await import('./destination.ts')).createAuditJsonDestination(context);
  },
} satisfies DestinationPlugin;
