/**
 * Every list parameter of the store API has a limit, and a request over it gets a 400 naming the
 * parameter and the limit at once, before any query runs. Before the limits, the same requests
 * ran for seconds on the thread that receives UDP (1000 text fields: 6.9 s on 50k rows) or
 * failed with a 500 (2000 fields: SQLite's "too many columns"). A file store with 20,000 log
 * events, as the agent has it; the time of each answer is printed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalStore, type LocalStore } from '../../../src/destinations/local-store/local-store.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { InfluxPoint } from '../../../src/mapping/shapes.ts';
import { startWebServer, type WebServer } from '../../../src/web/server.ts';

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(',');

const OVER_LIMIT: Array<[string, string, RegExp]> = [
  [
    'facets tags',
    `/api/facets?measurement=log_event&tags=${names('t', 1000)}`,
    /tags lists 1000 names; at most 20/,
  ],
  [
    'series fields',
    `/api/series?measurement=log_event&field=${names('f', 2000)}`,
    /field lists 2000 names; at most 20/,
  ],
  [
    'events textFields',
    `/api/events?measurement=log_event&limit=1000&text=zzz&textFields=${names('f', 1000)}`,
    /textFields lists 1000 names; at most 10/,
  ],
  [
    'series groupBy',
    `/api/series?measurement=log_event&field=f0&since=0&groupBy=${names('g', 100)}`,
    /groupBy lists 100 names; at most 5/,
  ],
  [
    'events tag filters',
    `/api/events?measurement=log_event&${Array.from({ length: 11 }, (_, i) => `tag.t${i}=x`).join('&')}`,
    /more than 10 tag.<name> filters; at most 10/,
  ],
  [
    'events text',
    `/api/events?measurement=log_event&text=${'a'.repeat(5000)}`,
    /text has 5000 characters; at most 200/,
  ],
];

describe('list parameters over their limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'list-limits-'));
  let store: LocalStore;
  let server: WebServer;

  before(async () => {
    store = createLocalStore({ file: join(dir, 'store.sqlite'), log: createRecordingLogger() });
    const now = Date.now();
    for (let b = 0; b < 40; b++) {
      const batch: InfluxPoint[] = [];
      for (let k = 0; k < 500; k++) {
        const i = b * 500 + k;
        batch.push({
          measurement: 'log_event',
          tags: { host: `h${i % 7}`, level: i % 3 === 0 ? 'ERROR' : 'WARN', source: 'qseow-engine' },
          fields: {
            message: { type: 'string', value: `event ${i} ${'m'.repeat(100)}` },
            f0: { type: 'float', value: i },
          },
          timeMs: now - 20_000 + i,
        });
      }
      await store.write(batch);
    }
    server = await startWebServer({
      port: 0,
      store,
      getStatus: () => ({ version: 'test' }),
      log: createRecordingLogger(),
    });
  });
  after(async () => {
    await server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [what, path, message] of OVER_LIMIT) {
    test(`${what}: 400 naming the limit`, async () => {
      const started = performance.now();
      const res = await fetch(`${server.address}${path}`);
      const body = await res.text();
      console.log(`${what}: HTTP ${res.status} in ${Math.round(performance.now() - started)} ms`);
      assert.equal(res.status, 400, body.slice(0, 200));
      assert.match(JSON.parse(body).error, message);
    });
  }
});
