// Config view: YAML / JSON tree tabs and the client-side "Download YAML" button. The config
// arrives embedded in the page, already masked by the server.
import { el } from './common.js';

const config = JSON.parse(document.getElementById('config-json').textContent);
const yamlText = JSON.parse(document.getElementById('config-yaml').textContent);

function node(key, value, depth) {
  const keyLabel = key === null ? null : el('span', { class: 'k' }, `${key}: `);
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const details = el(
      'details',
      { open: depth < 2 },
      el(
        'summary',
        {},
        keyLabel,
        el('span', { class: 'count' }, Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`),
      ),
    );
    for (const [k, v] of entries) details.append(node(k, v, depth + 1));
    return details;
  }
  const cls = typeof value === 'string' ? 's' : 'n';
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return el('div', { class: 'leaf' }, keyLabel, el('span', { class: cls }, shown));
}

const tree = document.getElementById('json-tree');
tree.append(node(null, config, 0));
const setAll = (open) => {
  for (const d of tree.querySelectorAll('details')) d.open = open;
};
document.getElementById('expand-all').addEventListener('click', () => setAll(true));
document.getElementById('collapse-all').addEventListener('click', () => setAll(false));

const tabs = [
  [document.getElementById('tab-yaml'), document.getElementById('panel-yaml')],
  [document.getElementById('tab-json'), document.getElementById('panel-json')],
];
for (const [tab] of tabs) {
  tab.addEventListener('click', () => {
    for (const [t, panel] of tabs) {
      t.setAttribute('aria-selected', String(t === tab));
      panel.hidden = t !== tab;
    }
  });
}

document.getElementById('download').addEventListener('click', () => {
  const url = URL.createObjectURL(new Blob([yamlText], { type: 'application/yaml' }));
  const a = el('a', { href: url, download: 'config.yaml' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});
