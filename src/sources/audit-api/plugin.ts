/** The audit events API (`auditEvents`, upstream v15): the server side of the Audit.qs extension. */
import type { SourcePlugin } from '../../components/source.ts';

export default {
  id: 'audit-api',
  enabled: (settings) => settings.auditEvents?.enable === true,
  async create(context) {
    return (await import('./source.ts')).createAuditApiSource(context);
  },
} satisfies SourcePlugin;
