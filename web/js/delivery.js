// Delivery: per-destination queue counters, Sense poll state and the local store's size.
import { el, every, fmtNum, fmtTime, getJson } from './common.js';

const destBody = document.querySelector('#destinations tbody');
const pollBody = document.querySelector('#polls tbody');
const storeBox = document.getElementById('store');

function dropped(byReason) {
  const entries = Object.entries(byReason ?? {}).filter(([, n]) => n > 0);
  if (entries.length === 0) return '0';
  return entries.map(([reason, n]) => `${reason}: ${fmtNum(n)}`).join(', ');
}

function lastError(e) {
  if (!e) return '';
  if (typeof e === 'string') return e;
  return `${fmtTime(e.at)}: ${e.message}`;
}

async function refresh() {
  const [status, store] = await Promise.all([getJson('/api/status'), getJson('/api/store')]);
  const list = Array.isArray(status.destinations) ? status.destinations : [];
  destBody.replaceChildren(
    ...(list.length === 0
      ? [el('tr', {}, el('td', { colspan: 8, class: 'empty' }, 'No destination reports status'))]
      : list.map((d) =>
          el(
            'tr',
            { 'data-destination': d.name },
            el('td', {}, el('strong', {}, d.name)),
            el('td', { class: 'num' }, fmtNum(d.queued)),
            el('td', { class: 'num' }, fmtNum(d.inFlight)),
            el('td', { class: 'num' }, fmtNum(d.spooled)),
            el('td', { class: 'num' }, fmtNum(d.delivered)),
            el('td', { class: 'num' }, fmtNum(d.retried)),
            el('td', {}, dropped(d.dropped)),
            el('td', { class: 'error' }, lastError(d.lastError)),
          ),
        )),
  );
  const servers = status.servers ?? [];
  pollBody.replaceChildren(
    ...(servers.length === 0
      ? [el('tr', {}, el('td', { colspan: 4, class: 'empty' }, 'No poll status reported'))]
      : servers.map((s) =>
          el(
            'tr',
            {},
            el('td', {}, s.serverName),
            el('td', {}, el('span', { class: `badge ${s.state}` }, s.state)),
            el('td', {}, fmtTime(s.lastPollAt)),
            el('td', { class: 'error' }, s.lastError ?? ''),
          ),
        )),
  );
  if (!store) {
    storeBox.replaceChildren(el('dt', {}, 'Local store'), el('dd', {}, 'not enabled'));
    return;
  }
  const mb = (b) => `${fmtNum(b / 1024 / 1024, 1)} MB`;
  const facts = [
    ['File', store.file],
    ['Points kept', fmtNum(store.rows)],
    ['Size in use', `${mb(store.usedBytes)} of ${mb(store.maxBytes)}`],
    ['On disk', mb(store.diskBytes)],
    ['Retention', `${fmtNum(store.retentionHours)} hours`],
    ['Oldest point', fmtTime(store.oldestMs)],
    ['Newest point', fmtTime(store.newestMs)],
    ['Written since start', fmtNum(store.written)],
    ['Pruned (age / size)', `${fmtNum(store.pruned.age)} / ${fmtNum(store.pruned.size)}`],
  ];
  storeBox.replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

every(5000, refresh);
