/**
 * The web UI's audit page: the newest audit events the audit API handled (who looked at which
 * app, sheet and object, for how long, with screenshots or not), and a summary per user and app.
 * Read from the audit API's in-memory list of recent events (src/audit/recent-events.ts), so it
 * works without the local store; empty while the audit API is off.
 */
import type { FastifyInstance } from 'fastify';
import { recentAuditEvents } from '../audit/recent-events.ts';
import { type PageOptions, pageRenderer } from './page-routes.ts';

/** Events the page shows at most (the list keeps up to 1000). */
const MAX_LIMIT = 1000;

export const auditBody = `
<section class="toolbar"><span class="updated" id="updated" aria-live="polite"></span></section>
<h1>Audit events</h1>
<p class="hint" id="total"></p>
<form class="filters" id="filters" autocomplete="off">
<label>User <select id="f-user"><option value="">all</option></select></label>
<label>App <select id="f-app"><option value="">all</option></select></label>
<label class="check"><input type="checkbox" id="f-pause"> Pause</label>
</form>
<h2>Per user and app</h2>
<table id="per-user-app" class="grid">
<thead><tr><th>User</th><th>App</th><th>Events</th><th>Sheets</th><th>Viewing time (s)</th><th>Screenshots</th><th>Last event</th></tr></thead>
<tbody><tr><td colspan="7" class="empty">Loading…</td></tr></tbody>
</table>
<h2>Newest events</h2>
<table id="events" class="grid events">
<thead><tr><th>Time</th><th>Type</th><th>User</th><th>App</th><th>Sheet</th><th>Object</th><th>Duration (s)</th><th>Screenshots</th></tr></thead>
<tbody></tbody>
</table>`;

export function registerAuditPage(app: FastifyInstance, options: PageOptions): void {
  const page = pageRenderer(options);
  app.get('/audit', (_q, reply) =>
    reply.type('text/html; charset=utf-8').send(page('Audit events', '/audit', auditBody, 'audit')),
  );
  app.get('/api/audit/events', async (request) => {
    const raw = Number((request.query as Record<string, unknown>).limit ?? 500);
    const limit = Number.isInteger(raw) && raw > 0 ? Math.min(raw, MAX_LIMIT) : 500;
    return { total: recentAuditEvents.total, events: recentAuditEvents.list(limit) };
  });
}
