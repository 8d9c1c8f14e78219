/**
 * Server-rendered HTML shells of the web UI. Pages are plain HTML with one small ES module
 * each (web/js/); there is no build step and nothing is loaded from the internet.
 */
import { stringify } from 'yaml';

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** JSON safe to embed in a `<script type="application/json">` element. */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

export interface NavItem {
  href: string;
  label: string;
}

export interface LayoutOptions {
  title: string;
  active: string;
  nav: NavItem[];
  body: string;
  /** Module under /static/js/ without extension. */
  script?: string;
  version?: string;
}

export function layout(o: LayoutOptions): string {
  const nav = o.nav
    .map(
      (n) =>
        `<a href="${escapeHtml(n.href)}"${n.href === o.active ? ' aria-current="page"' : ''}>${escapeHtml(n.label)}</a>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Butler SOS – ${escapeHtml(o.title)}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/vendor/uplot/uPlot.min.css">
<link rel="stylesheet" href="/static/css/app.css">
</head>
<body>
<header class="top">
<span class="brand">Butler SOS</span>
<nav>${nav}</nav>
<span class="version">${o.version ? `v${escapeHtml(o.version)}` : ''}</span>
</header>
<main>
${o.body}
</main>
${o.script ? `<script type="module" src="/static/js/${escapeHtml(o.script)}.js"></script>` : ''}
</body>
</html>
`;
}

const RANGE_OPTIONS = [
  [60, '1 hour'],
  [180, '3 hours'],
  [360, '6 hours'],
  [720, '12 hours'],
  [1440, '24 hours'],
] as const;

const rangeSelect = `<label>Range <select id="range">${RANGE_OPTIONS.map(
  ([m, l]) => `<option value="${m}"${m === 180 ? ' selected' : ''}>${l}</option>`,
).join('')}</select></label>`;

export const overviewBody = `
<section class="toolbar">${rangeSelect}<span class="updated" id="updated" aria-live="polite"></span></section>
<section>
<h1>Sense servers</h1>
<table id="servers" class="grid">
<thead><tr><th>Server</th><th>State</th><th>Last poll</th><th>Memory allocated (MB)</th><th>CPU %</th>
<th>Sessions</th><th>Users</th><th>Loaded apps</th><th>Cache hit %</th><th>Saturated</th><th>Last poll error</th></tr></thead>
<tbody><tr><td colspan="11" class="empty">Loading…</td></tr></tbody>
</table>
</section>
<section class="charts" id="charts"></section>`;

function filterBar(fields: Array<[id: string, label: string]>, textPlaceholder: string): string {
  return `<form class="filters" id="filters" autocomplete="off">
${fields.map(([id, l]) => `<label>${escapeHtml(l)} <select id="f-${id}" data-tag="${id}"><option value="">all</option></select></label>`).join('\n')}
<label>Text <input type="search" id="f-text" placeholder="${escapeHtml(textPlaceholder)}"></label>
<label class="check"><input type="checkbox" id="f-pause"> Pause</label>
<span class="updated" id="updated" aria-live="polite"></span>
</form>`;
}

export const logsBody = `
<h1>Log events</h1>
${filterBar(
  [
    ['host', 'Server'],
    ['source', 'Source'],
    ['level', 'Level'],
  ],
  'message contains…',
)}
<p class="hint" id="count"></p>
<table id="events" class="grid events">
<thead><tr><th>Time</th><th>Level</th><th>Server</th><th>Source</th><th>Subsystem</th><th>Message</th></tr></thead>
<tbody></tbody>
</table>`;

export const usersBody = `
<section class="toolbar">${rangeSelect}</section>
<h1>User session activity</h1>
<section class="charts" id="charts"></section>
<h2>User events</h2>
${filterBar(
  [
    ['host', 'Server'],
    ['event_action', 'Action'],
    ['origin', 'Origin'],
  ],
  'user or app contains…',
)}
<p class="hint" id="count"></p>
<table id="events" class="grid events">
<thead><tr><th>Time</th><th>Action</th><th>Server</th><th>User</th><th>Origin</th><th>App</th><th>Browser</th></tr></thead>
<tbody></tbody>
</table>`;

export const deliveryBody = `
<section class="toolbar"><span class="updated" id="updated" aria-live="polite"></span></section>
<h1>Delivery per destination</h1>
<table id="destinations" class="grid">
<thead><tr><th>Destination</th><th>Queued</th><th>In flight</th><th>Spooled</th><th>Delivered</th><th>Retried</th>
<th>Dropped (by reason)</th><th>Last error</th></tr></thead>
<tbody><tr><td colspan="8" class="empty">Loading…</td></tr></tbody>
</table>
<h2>Sense server polls</h2>
<table id="polls" class="grid">
<thead><tr><th>Server</th><th>State</th><th>Last poll</th><th>Last error</th></tr></thead>
<tbody></tbody>
</table>
<h2>Local store</h2>
<dl id="store" class="facts"></dl>`;

/** One YAML line as highlighted HTML: key, value, comment and mask spans. */
function highlightYamlLine(line: string): string {
  const m = /^(\s*(?:- )?)([^\s#'"][^:#]*?|"[^"]*"|'[^']*'):(\s|$)(.*)$/.exec(line);
  let head = '';
  let rest = line;
  if (m) {
    head = `${escapeHtml(m[1] ?? '')}<span class="y-key">${escapeHtml(m[2] ?? '')}</span>:${escapeHtml(m[3] ?? '')}`;
    rest = m[4] ?? '';
  }
  const hash = rest.search(/(^|\s)#/);
  const value = hash >= 0 ? rest.slice(0, hash) : rest;
  const comment = hash >= 0 ? rest.slice(hash) : '';
  const valueHtml = escapeHtml(value).replace(/(\*{10})/g, '<span class="y-mask">$1</span>');
  const cls = /^\s*(true|false|null|~|-?\d[\d.]*)\s*$/.test(value) ? 'y-scalar' : 'y-value';
  return `${head}${value ? `<span class="${cls}">${valueHtml}</span>` : ''}${comment ? `<span class="y-comment">${escapeHtml(comment)}</span>` : ''}`;
}

export function configBody(config: unknown): string {
  const yamlText = stringify(config, { lineWidth: 0 });
  const lines = yamlText.replace(/\n$/, '').split('\n');
  // Lines are block spans: no newline between them, or the pre would double-space.
  const yamlHtml = lines.map((l) => `<span class="line">${highlightYamlLine(l)}</span>`).join('');
  return `
<h1>Configuration</h1>
<p class="hint">The loaded configuration. Secrets (passwords, tokens, API keys, passphrases, header values) are masked.</p>
<div class="tabs" role="tablist">
<button type="button" role="tab" id="tab-yaml" aria-selected="true" aria-controls="panel-yaml">YAML</button>
<button type="button" role="tab" id="tab-json" aria-selected="false" aria-controls="panel-json">JSON tree</button>
<button type="button" id="download" class="download">Download YAML</button>
</div>
<section id="panel-yaml" role="tabpanel" aria-labelledby="tab-yaml"><pre class="yaml"><code>${yamlHtml}</code></pre></section>
<section id="panel-json" role="tabpanel" aria-labelledby="tab-json" hidden>
<div class="tree-tools"><button type="button" id="expand-all">Expand all</button> <button type="button" id="collapse-all">Collapse all</button></div>
<div id="json-tree" class="json-tree"></div></section>
<script type="application/json" id="config-json">${embedJson(config)}</script>
<script type="application/json" id="config-yaml">${embedJson(yamlText)}</script>`;
}

export function notFoundBody(issueUrl: string | undefined): string {
  return `
<h1>Page not found</h1>
<p>There is nothing at this address.</p>
<p><a href="/" class="button">Go Home</a>${
    issueUrl ? ` <a href="${escapeHtml(issueUrl)}" rel="noopener">Report an issue</a>` : ''
  }</p>`;
}
