// User activity: proxy session counts over time and the newest user events.
import { createChartCard, every, fmtTime, getJson, liveEventTable } from './common.js';

const range = document.getElementById('range');
const sessions = createChartCard(document.getElementById('charts'), {
  id: 'proxy',
  title: 'Proxy sessions',
  unit: '',
});

async function refreshChart() {
  const since = Date.now() - Number(range.value) * 60_000;
  const params = new URLSearchParams({
    measurement: 'user_session_summary',
    field: 'session_count',
    groupBy: 'server_name,user_session_virtual_proxy',
    since: String(since),
  });
  const result = await getJson(`/api/series?${params}`);
  sessions.update(
    result.series.map((s) => ({
      label:
        [s.tags.server_name, s.tags.user_session_virtual_proxy].filter(Boolean).join(' ') ||
        '(no server name)',
      time: s.time,
      values: s.values.session_count,
    })),
  );
}
range.addEventListener('change', () => refreshChart().catch(() => {}));
every(10_000, refreshChart);

liveEventTable({
  measurement: 'user_events',
  textFields: ['userFull', 'appName', 'appName_field'],
  columns: (r) => [
    fmtTime(r.timeMs),
    r.tags.event_action ?? '',
    r.tags.host ?? '',
    r.tags.userFull ?? r.fields.userFull ?? '',
    r.tags.origin ?? '',
    r.tags.appName ?? r.fields.appName ?? r.fields.appName_field ?? '',
    [r.tags.uaBrowserName, r.tags.uaBrowserMajorVersion].filter(Boolean).join(' '),
  ],
});
