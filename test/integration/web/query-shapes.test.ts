/**
 * Memory must not grow with the number of distinct query shapes the web API has answered.
 * Each events request below has a different SQL text (ten tag filters of 49 or 50 values and a
 * text search over ten fields: the largest shapes within the limits), which once meant a new prepared statement kept for ever (about 20 MB per 280
 * shapes). The agent runs as a process; its RSS is read from /proc after 200, 600 and 1,000
 * shapes. The bounds asserted (12 MiB over the last 400 shapes, 40 MiB from 200 to 1,000) are
 * above the noise of a flat line (about 2 and up to 20 MiB while the heap settles, measured)
 * and far below the growth of the unbounded cache (54 and 116 MiB, measured with the cache
 * made unbounded).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sampleProcess } from '../../support/agent-process.ts';
import { spawnWebAgent, type WebAgent, waitForStoreRows } from '../../support/web-agent.ts';

const MIB = 1024 * 1024;

const TAGS = [
  'level',
  'host',
  'source',
  'subsystem',
  'user_full',
  'user_directory',
  'user_id',
  'windows_user',
  'proxy_session_id',
  'session_id',
];
const TEXT_FIELDS =
  'message,exception_message,command,result_code,origin,context,raw_event,app_name,app_id,process_id';

/**
 * Events request number `i` (0–1023): ten tag filters of 49 or 50 values (bit j of i says
 * which for tag j) and a text search over ten fields: the largest shapes within the limits,
 * each with its own SQL text.
 */
function shape(i: number): string {
  const filters = TAGS.map((tag, j) =>
    Array.from({ length: 50 - ((i >> j) & 1) }, (_, v) => `tag.${tag}=v${v}`).join('&'),
  ).join('&');
  return `/api/events?measurement=log_event&limit=10&text=zz&textFields=${TEXT_FIELDS}&${filters}`;
}

describe('memory over 1,000 query shapes', { timeout: 180_000 }, () => {
  let web: WebAgent;

  before(async () => {
    web = await spawnWebAgent({
      extra: (dir) => ({
        localStore: { enable: true, file: join(dir, 'store.sqlite') },
        // 1,000 requests in a few seconds: far over the default 300 per minute.
        httpSecurity: { rateLimitPerMinute: 100_000 },
      }),
    });
    // A few rows so that every query has something to read.
    const socket = createSocket('udp4');
    for (let i = 0; i < 200; i++) {
      const datagram = `/qseow-engine/;1;20260101T000000.000+0000;2026-01-01 00:00:00,000;ERROR;value-${i % 20};System.Engine.Engine;DOMAIN\\svc;message ${i};0;;;2026-01-01T00:00:00.000Z;id-${i};14.173.3;20250310T000000.000+0000;Error;;`;
      socket.send(datagram, web.udpPort, '127.0.0.1');
    }
    await waitForStoreRows(web.base, 150, 20_000);
    socket.close();
  });
  after(() => web?.remove());

  test('RSS stays flat over the last 400 of 1,000 distinct shapes', async () => {
    const rssAt = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const res = await fetch(`${web.base}${shape(i)}`);
      assert.equal(res.status, 200, await res.text());
      await res.arrayBuffer().catch(() => undefined);
      if (i === 199 || i === 599 || i === 999) rssAt.set(i + 1, sampleProcess(web.agent.pid)!.rssBytes);
    }
    const [at200, at600, at1000] = [rssAt.get(200)!, rssAt.get(600)!, rssAt.get(1000)!];
    const mib = (bytes: number) => (bytes / MIB).toFixed(1);
    console.log(
      `agent RSS after 200 shapes ${mib(at200)} MiB, after 600 ${mib(at600)} MiB, after 1000 ${mib(at1000)} MiB`,
    );
    // A bounded cache is full long before 600 shapes: what is left is the heap settling (about
    // 2 MiB over the last 400, measured). The unbounded cache grew 54 MiB there.
    assert.ok(at1000 - at600 < 12 * MIB, `grew ${mib(at1000 - at600)} MiB over the last 400 shapes`);
    assert.ok(at1000 - at200 < 40 * MIB, `grew ${mib(at1000 - at200)} MiB after the first 200 shapes`);
  });
});
