/** Audit events as QVD files (`auditEvents.destination.qvd`): one file per flush. */

import { auditDestinationOn } from '../../audit/destination-types.ts';
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'audit-qvd',
  enabled: (settings) =>
    auditDestinationOn(settings.auditEvents, 'qvd') && settings.auditEvents?.destination.qvd !== undefined,
  async create(context) {
    return (await import('./destination.ts')).createAuditQvdDestination(context);
  },
} satisfies DestinationPlugin;
