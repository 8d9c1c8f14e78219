// Shared helpers of the web UI pages: JSON fetches, DOM building (text only, never
// innerHTML with data), formatting, polling, uPlot charts and the filterable event table.
import uPlot from '/vendor/uplot/uPlot.esm.js';

export async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).error ?? message;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new Error(message);
  }
  return res.json();
}

/** el('td', {class: 'num'}, 'text', childNode, ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

export function fmtTime(t) {
  if (t === undefined || t === null || t === '') return '–';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

export function fmtNum(n, digits = 0) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  return Number(n).toLocaleString(undefined, { maximumFractionDigits: digits });
}

export function setUpdated(error) {
  const node = document.getElementById('updated');
  if (!node) return;
  node.classList.toggle('fetch-error', Boolean(error));
  node.textContent = error ? `Update failed: ${error.message}` : `Updated ${new Date().toLocaleTimeString()}`;
}

/** Runs fn now and every ms milliseconds, never overlapping, skipping hidden tabs. */
export function every(ms, fn) {
  let timer;
  const tick = async () => {
    if (!document.hidden) {
      try {
        await fn();
        setUpdated();
      } catch (error) {
        setUpdated(error);
      }
    }
    timer = setTimeout(tick, ms);
  };
  tick();
  return () => clearTimeout(timer);
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/**
 * A card with a uPlot line chart, one line per series ({label, time: ms[], values}).
 * Series of different servers are sampled at different times; uPlot.join aligns them.
 */
export function createChartCard(parent, { id, title, unit }) {
  const plotBox = el('div', { class: 'plot' });
  const card = el(
    'div',
    { class: 'card', id: `chart-${id}`, 'data-points': '0' },
    el('h3', {}, unit ? `${title} (${unit})` : title),
    plotBox,
  );
  parent.append(card);
  let plot;
  let shape = '';

  const width = () => Math.max(300, plotBox.clientWidth || card.clientWidth - 20);
  window.addEventListener('resize', () => plot?.setSize({ width: width(), height: 200 }));

  return {
    update(series) {
      const withData = series.filter((s) => s.time.length > 0);
      const points = withData.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
      card.dataset.points = String(points);
      card.dataset.newest = String(Math.max(0, ...withData.map((s) => s.time[s.time.length - 1])));
      if (withData.length === 0) {
        plot?.destroy();
        plot = undefined;
        shape = '';
        plotBox.replaceChildren(el('div', { class: 'nodata' }, 'No data in this range yet'));
        return;
      }
      const data = uPlot.join(withData.map((s) => [s.time.map((t) => t / 1000), s.values]));
      const newShape = withData.map((s) => s.label).join('\u0000');
      if (plot && newShape === shape) {
        plot.setData(data);
        return;
      }
      plot?.destroy();
      shape = newShape;
      plotBox.replaceChildren();
      plot = new uPlot(
        {
          width: width(),
          height: 200,
          legend: { live: true },
          scales: { x: { time: true } },
          axes: [{}, { size: 56, values: (_u, ticks) => ticks.map((v) => fmtNum(v, 1)) }],
          series: [
            {},
            ...withData.map((s, i) => ({
              label: s.label,
              stroke: PALETTE[i % PALETTE.length],
              width: 1.5,
              spanGaps: true,
              // Dots only while a series has a single point: a lone value has no line to draw.
              points: { show: s.values.filter((v) => v !== null).length === 1, size: 6 },
              value: (_u, v) => (v === null || v === undefined ? '–' : fmtNum(v, 1)),
            })),
          ],
        },
        data,
        plotBox,
      );
    },
  };
}

/** Fills a <select> with values, keeping the current choice. */
export function fillSelect(select, values) {
  const current = select.value;
  const options = [el('option', { value: '' }, 'all'), ...values.map((v) => el('option', { value: v }, v))];
  select.replaceChildren(...options);
  if (current && !values.includes(current)) select.append(el('option', { value: current }, current));
  select.value = current;
}

/**
 * A live, filterable table of the newest events of one measurement.
 * columns: row → array of cells (strings or nodes); filters come from the page's form.
 */
export function liveEventTable({ measurement, textFields, columns, intervalMs = 3000, limit = 200 }) {
  const tbody = document.querySelector('#events tbody');
  const count = document.getElementById('count');
  const selects = [...document.querySelectorAll('#filters select[data-tag]')];
  const text = document.getElementById('f-text');
  const pause = document.getElementById('f-pause');
  let generation = 0;

  async function loadFacets() {
    const tags = selects.map((s) => s.dataset.tag).join(',');
    const facets = await getJson(
      `/api/facets?measurement=${encodeURIComponent(measurement)}&tags=${encodeURIComponent(tags)}`,
    );
    for (const s of selects) fillSelect(s, facets[s.dataset.tag] ?? []);
  }

  async function load() {
    const params = new URLSearchParams({
      measurement,
      limit: String(limit),
      textFields: textFields.join(','),
    });
    for (const s of selects) if (s.value) params.append(`tag.${s.dataset.tag}`, s.value);
    if (text.value.trim()) params.set('text', text.value.trim());
    const mine = ++generation;
    const rows = await getJson(`/api/events?${params}`);
    if (mine !== generation) return; // a newer filter answered first
    tbody.replaceChildren(
      ...(rows.length === 0
        ? [el('tr', {}, el('td', { colspan: 10, class: 'empty' }, 'No matching events'))]
        : rows.map((r) =>
            el(
              'tr',
              { 'data-id': r.id },
              ...columns(r).map((c) => (c instanceof Node && c.tagName === 'TD' ? c : el('td', {}, c))),
            ),
          )),
    );
    count.textContent = `${rows.length} newest matching event${rows.length === 1 ? '' : 's'}${rows.length === limit ? ` (showing the first ${limit})` : ''}`;
    document.body.dataset.eventsLoaded = String(generation);
  }

  const reload = () => load().then(() => setUpdated(), setUpdated);
  let debounce;
  text.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(reload, 250);
  });
  for (const s of selects) s.addEventListener('change', reload);
  document.getElementById('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    reload();
  });

  every(30_000, loadFacets);
  every(intervalMs, async () => {
    if (!pause.checked) await load();
  });
}
