// Overview: one row per Sense server and live charts over the chosen range.
import { createChartCard, el, every, fmtNum, fmtTime, getJson } from './common.js';

const range = document.getElementById('range');
const tbody = document.querySelector('#servers tbody');
const chartsBox = document.getElementById('charts');
const charts = new Map();

function stateBadge(state) {
  return el('span', { class: `badge ${state}` }, state);
}

function renderServers(servers) {
  if (servers.length === 0) {
    tbody.replaceChildren(
      el('tr', {}, el('td', { colspan: 11, class: 'empty' }, 'No Sense server data yet')),
    );
    return;
  }
  tbody.replaceChildren(
    ...servers.map((s) =>
      el(
        'tr',
        { 'data-server': s.serverName },
        el('td', {}, el('strong', {}, s.serverName), s.host ? el('div', { class: 'hint' }, s.host) : null),
        el('td', {}, stateBadge(s.state)),
        el('td', {}, fmtTime(s.lastPollAt ?? s.lastDataAt)),
        el('td', { class: 'num' }, fmtNum(s.memAllocatedMb)),
        el('td', { class: 'num' }, fmtNum(s.cpuPct, 1)),
        el('td', { class: 'num' }, fmtNum(s.sessionsActive)),
        el('td', { class: 'num' }, fmtNum(s.usersActive)),
        el('td', { class: 'num' }, fmtNum(s.loadedApps)),
        el('td', { class: 'num' }, fmtNum(s.cacheHitPct, 1)),
        el(
          'td',
          {},
          s.saturated === null
            ? '–'
            : el('span', { class: `badge ${s.saturated ? 'bad' : 'ok'}` }, s.saturated ? 'yes' : 'no'),
        ),
        el('td', { class: 'error' }, s.state === 'up' ? '' : (s.lastError ?? '')),
      ),
    ),
  );
}

async function refresh() {
  const data = await getJson(`/api/overview?minutes=${encodeURIComponent(range.value)}`);
  renderServers(data.servers);
  for (const chart of data.charts) {
    let card = charts.get(chart.id);
    if (!card) {
      card = createChartCard(chartsBox, chart);
      charts.set(chart.id, card);
    }
    card.update(chart.series);
  }
}

range.addEventListener('change', () => refresh().catch(() => {}));
every(5000, refresh);
