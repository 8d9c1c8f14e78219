// Log events: the newest warnings and errors, filtered by server, source, level and text.
import { el, fmtTime, liveEventTable } from './common.js';

liveEventTable({
  measurement: 'log_event',
  textFields: ['message', 'exception_message'],
  columns: (r) => [
    el('td', { class: 'time' }, fmtTime(r.timeMs)),
    el('td', {}, el('span', { class: `badge ${r.tags.level ?? ''}` }, r.tags.level ?? '')),
    r.tags.host ?? '',
    r.tags.source ?? '',
    r.tags.subsystem ?? '',
    el('td', { class: 'msg' }, r.fields.message ?? r.fields.exception_message ?? ''),
  ],
});
