// Audit events: a summary per user and app and the newest events, from the audit API's recent list.
import { el, every, fillSelect, fmtNum, fmtTime, getJson, setUpdated } from './common.js';

const userSelect = document.getElementById('f-user');
const appSelect = document.getElementById('f-app');
const pause = document.getElementById('f-pause');
const total = document.getElementById('total');
const perUserApp = document.querySelector('#per-user-app tbody');
const events = document.querySelector('#events tbody');
let latest = [];

const appOf = (e) => e.appName ?? e.appId ?? '';
const seconds = (ms) => (ms === null || ms === undefined ? '' : fmtNum(ms / 1000, 1));
const emptyRow = (colspan, text) => el('tr', {}, el('td', { colspan, class: 'empty' }, text));

function summarise(list) {
  const groups = new Map();
  for (const e of list) {
    const key = `${e.user ?? ''}\u0000${appOf(e)}`;
    let g = groups.get(key);
    if (!g) {
      g = { user: e.user ?? '', app: appOf(e), count: 0, sheets: new Set(), viewMs: 0, shots: 0, last: 0 };
      groups.set(key, g);
    }
    g.count++;
    if (e.sheetName) g.sheets.add(e.sheetName);
    if (e.type === 'object.view.duration' && e.durationMs) g.viewMs += e.durationMs;
    g.shots += e.screenshots;
    g.last = Math.max(g.last, e.timeMs);
  }
  return [...groups.values()].sort((a, b) => b.last - a.last);
}

function render() {
  const shown = latest.filter(
    (e) =>
      (!userSelect.value || e.user === userSelect.value) &&
      (!appSelect.value || appOf(e) === appSelect.value),
  );
  const groups = summarise(shown);
  perUserApp.replaceChildren(
    ...(groups.length === 0
      ? [emptyRow(7, 'No audit events yet (the audit API is on when auditEvents.enable is true)')]
      : groups.map((g) =>
          el(
            'tr',
            {},
            el('td', {}, g.user || '–'),
            el('td', {}, g.app || '–'),
            el('td', { class: 'num' }, fmtNum(g.count)),
            el('td', { class: 'num' }, fmtNum(g.sheets.size)),
            el('td', { class: 'num' }, fmtNum(g.viewMs / 1000, 1)),
            el('td', { class: 'num' }, fmtNum(g.shots)),
            el('td', {}, fmtTime(g.last)),
          ),
        )),
  );
  events.replaceChildren(
    ...(shown.length === 0
      ? [emptyRow(8, 'No matching events')]
      : shown
          .slice(0, 200)
          .map((e) =>
            el(
              'tr',
              { 'data-id': e.eventId },
              el('td', {}, fmtTime(e.timeMs)),
              el('td', {}, e.type),
              el('td', {}, e.user ?? ''),
              el('td', {}, appOf(e)),
              el('td', {}, e.sheetName ?? ''),
              el('td', {}, e.objectId ?? ''),
              el('td', { class: 'num' }, seconds(e.durationMs)),
              el('td', { class: 'num' }, e.screenshots ? fmtNum(e.screenshots) : ''),
            ),
          )),
  );
}

async function refresh() {
  if (pause.checked) return;
  try {
    const answer = await getJson('/api/audit/events?limit=1000');
    latest = answer.events;
    total.textContent = `${fmtNum(answer.total)} audit events handled since the agent started; the newest ${fmtNum(latest.length)} are summarised here.`;
    fillSelect(userSelect, [...new Set(latest.map((e) => e.user).filter(Boolean))].sort());
    fillSelect(appSelect, [...new Set(latest.map(appOf).filter(Boolean))].sort());
    render();
    document.body.dataset.eventsLoaded = String(Date.now());
    setUpdated();
  } catch (error) {
    setUpdated(error);
  }
}

userSelect.addEventListener('change', render);
appSelect.addEventListener('change', render);
every(3000, refresh);
