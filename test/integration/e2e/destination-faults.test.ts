/**
 * Delivery fault tests for a destination that answers badly rather than not at all: slow
 * writes, 5xx, a 4xx batch holding one bad point, and the disk spool's cap. The agent runs as
 * a child process (test/support/agent-process.ts), fed engine log events over UDP, each with
 * a unique id in its message, so "stored exactly once" is checkable point by point.
 *
 * Slow answers and 5xx come from the fake InfluxDB v2 (test/support/fake-influxdb.ts), whose
 * fault switch delays or fails writes; the bad point and the disk cap use a private real
 * InfluxDB 1.x. The tests run concurrently, each with its own services and agent, so the file
 * takes as long as the slowest (bounded by the waits below). Timing is asserted only as the
 * backoff's documented envelope, with a margin.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { proxyLogDatagram } from '../../../sim/datagrams.ts';
import type { AgentProcess } from '../../support/agent-process.ts';
import { type FakeInflux, startFakeInflux } from '../../support/fake-influxdb.ts';
import { freePort, waitFor } from '../../support/services.ts';
import {
  countLines,
  deliveryMetrics,
  fakeStoredEvents,
  messageFor,
  sendDatagrams,
  startEventStream,
  storedLogEvents,
  storedMessages,
  timeRequests,
} from './helpers.ts';
import {
  destination,
  explain,
  INFLUX_READY,
  inMemory,
  privateInflux,
  type Rig,
  rig,
  rigConfig,
  settled,
  start,
} from './rig.ts';

const DB = 'e2e_destination_faults';
const TOKEN = 'e2e-fake-token';
const BUCKET = 'e2e_bucket';
const WRITE_PATH = '/api/v2/write';
/** Backoff of the agent's queues (src/agent/destinations.ts): 500 ms doubling, full jitter. */
const BACKOFF_INITIAL_MS = 500;
const SPOOL_DROP_WARNING = /SPOOL: .*records dropped/;

/** An agent config writing log events to the fake InfluxDB v2 `fake`. */
function fakeV2Config(r: Rig, fake: FakeInflux, delivery: Record<string, unknown>, maxBatchSize: number) {
  return rigConfig(r, {
    influx: { port: fake.port, dbName: DB, maxBatchSize },
    delivery,
    extra: { influxdbConfig: { version: 2, v2Config: { org: 'myorg', bucket: BUCKET, token: TOKEN } } },
  });
}

/** The status entry of the InfluxDB destination. */
const influxStatus = (agent: AgentProcess) => destination(agent, /influx/i);

/** Rethrows a wait's timeout with what the agent reported, so a failure says why. */
function withStatus(agent: AgentProcess, extra: () => unknown = () => '') {
  return async (error: unknown): Promise<never> => {
    const status = await influxStatus(agent).catch((e: Error) => e.message);
    throw new Error(
      `${(error as Error).message}: status ${JSON.stringify(status)} ${JSON.stringify(await extra())}${explain(agent)}`,
    );
  };
}

describe('destination faults: slow, 5xx, a bad point, spool cap (agent as a child process)', {
  concurrency: true,
}, () => {
  test('InfluxDB v2 answering each write after 1.5 s while 2,000 events arrive: every event stored once, none dropped', {
    timeout: 90_000,
  }, async (t) => {
    const r = await rig(t);
    const fake = await startFakeInflux({ token: TOKEN });
    r.fakes.push(fake);
    // Small batches and memory, so the slow writer falls behind and the spool takes the rest.
    const agent = await start(r, fakeV2Config(r, fake, { memoryQueueMax: 500 }, 250));
    await agent.waitForOutput(INFLUX_READY, 20_000);
    fake.setFault({ delayMs: 1_500, pathPrefix: WRITE_PATH });

    const stream = startEventStream({ port: r.udpPort, ratePerSecond: 1000, runId: 'slow', total: 2_000 });
    r.streams.push(stream);
    await stream.untilSent(2_000);
    const sent = await stream.stop();
    assert.equal(sent, 2_000);

    const final = await waitFor(
      async () => {
        const d = await influxStatus(agent);
        return settled(d) && fakeStoredEvents(fake, 'slow').points >= sent ? d : undefined;
      },
      60_000,
      250,
    ).catch(withStatus(agent, () => fakeStoredEvents(fake, 'slow').points));
    const stored = fakeStoredEvents(fake, 'slow');
    const writes = fake.requests.filter((q) => q.path === WRITE_PATH);
    t.diagnostic(
      `sent ${sent}, stored ${stored.points} (${stored.ids.size} distinct) in ${writes.length} writes, ` +
        `overflowed to the spool ${final.overflowed ?? 0}, retried ${final.retried ?? 0}`,
    );
    assert.equal(stored.points, sent, 'an event was stored twice');
    assert.equal(stored.ids.size, sent);
    assert.deepEqual(final.dropped ?? {}, {});
    assert.equal(final.delivered, sent);
    assert.ok(
      writes.every((q) => q.status === 204),
      'a write failed: slow is not an error',
    );
  });

  test('InfluxDB v2 answering 503 to the first 6 writes: retried with backoff, every event stored once', {
    timeout: 90_000,
  }, async (t) => {
    const failures = 6;
    const r = await rig(t);
    const fake = await startFakeInflux({ token: TOKEN });
    r.fakes.push(fake);
    const times = timeRequests(fake);
    const agent = await start(r, fakeV2Config(r, fake, {}, 1000));
    await agent.waitForOutput(INFLUX_READY, 20_000);
    fake.setFault({ status: 503, times: failures, pathPrefix: WRITE_PATH });

    const stream = startEventStream({ port: r.udpPort, ratePerSecond: 1000, runId: '5xx', total: 1_500 });
    r.streams.push(stream);
    await stream.untilSent(1_500);
    const sent = await stream.stop();
    assert.equal(sent, 1_500);

    const final = await waitFor(
      async () => {
        const d = await influxStatus(agent);
        return settled(d) && fakeStoredEvents(fake, '5xx').points >= sent ? d : undefined;
      },
      60_000,
      250,
    ).catch(withStatus(agent, () => fakeStoredEvents(fake, '5xx').points));

    const writes = times.filter((q) => q.path === WRITE_PATH);
    const statuses = writes.map((q) => q.status);
    // One writer per queue: the failing batch is written again and again, nothing else meanwhile.
    assert.deepEqual(statuses.slice(0, failures + 1), [...Array(failures).fill(503), 204]);
    assert.ok(statuses.slice(failures).every((s) => s === 204));
    const gaps = writes.slice(1, failures + 1).map((q, i) => Math.round(q.at - (writes[i] as typeof q).at));
    t.diagnostic(`gaps between attempts (ms): ${gaps.join(', ')}; retried ${final.retried}`);
    // Full jitter makes gap n random in (0, 500 ms × 2^(n-1)], so strictly growing gaps are
    // not promised; what is: each gap stays under its own doubling bound (plus a margin for a
    // busy machine: a retry is a replay read back from the spool), and some gap exceeds the
    // first bound, i.e. the delay grew (all six at or under 500 ms has a chance of 1 in 30,000).
    gaps.forEach((gap, i) => {
      const bound = BACKOFF_INITIAL_MS * 2 ** i;
      assert.ok(
        gap <= bound + 1500,
        `retry ${i + 1} came after ${gap} ms, above its backoff bound ${bound} ms`,
      );
    });
    assert.ok(
      Math.max(...gaps) > BACKOFF_INITIAL_MS,
      `no retry waited longer than the first backoff (${gaps.join(', ')} ms): the delay never grew`,
    );
    assert.equal(final.retried, failures);

    const stored = fakeStoredEvents(fake, '5xx');
    assert.equal(stored.points, sent, 'an event was stored twice');
    assert.equal(stored.ids.size, sent);
    assert.deepEqual(final.dropped ?? {}, {});
    assert.equal(final.delivered, sent);
  });

  test('InfluxDB 1.x refusing one point of a batch (field type conflict): the good points land, the bad one is counted', {
    timeout: 90_000,
  }, async (t) => {
    const r = await rig(t);
    const influx = await privateInflux(r);
    const agent = await start(
      r,
      rigConfig(r, {
        influx: { port: influx.port, dbName: DB, maxBatchSize: 1000 },
        extra: { logEvents: { source: { proxy: { enable: true } } } },
      }),
    );
    await agent.waitForOutput(INFLUX_READY, 20_000);
    // Only proxy and repository events carry the string field `origin` (src/mapping/log-event.ts);
    // claiming it as an integer first makes exactly the one proxy event below conflict.
    const claim = await fetch(`${influx.url}/write?db=${DB}`, {
      method: 'POST',
      body: 'log_event,host=type-claim origin=1i',
    });
    assert.equal(claim.status, 204, await claim.text());

    const badMessage = `e2e bad-point proxy event ${process.pid}`;
    const stream = startEventStream({ port: r.udpPort, ratePerSecond: 1000, runId: 'bad', total: 1_000 });
    r.streams.push(stream);
    await stream.untilSent(500);
    // Mid-stream, so the bad point shares its batch with good ones.
    await sendDatagrams(r.udpPort, [proxyLogDatagram({ message: badMessage })]);
    await stream.untilSent(1_000);
    const sent = await stream.stop();
    assert.equal(sent, 1_000);

    const final = await waitFor(
      async () => {
        const d = await influxStatus(agent);
        return settled(d) && (d.delivered ?? 0) + (d.dropped?.rejected ?? 0) >= sent + 1 ? d : undefined;
      },
      60_000,
      250,
    ).catch(withStatus(agent));
    const stored = await storedLogEvents(influx.url, DB);
    const messages = await storedMessages(influx.url, DB);
    t.diagnostic(
      `sent ${sent} + 1 bad, stored ${stored.rows} (${stored.distinct} distinct), status ${JSON.stringify(final)}`,
    );
    assert.deepEqual(final.dropped, { rejected: 1 });
    // Split down to the bad point alone: its last failed write held just that one.
    assert.match(
      String((final.lastError as { message?: string } | undefined)?.message),
      /write of 1 points failed: HTTP 400: partial write/,
    );
    assert.equal(final.delivered, sent);
    assert.deepEqual(stored, { rows: sent, distinct: sent, inAutogen: 0 });
    assert.ok(!messages.includes(badMessage), 'the conflicting point was stored');
    assert.ok(messages.includes(messageFor('bad', 0)) && messages.includes(messageFor('bad', sent - 1)));
  });

  test('disk cap of 1 MB reached while InfluxDB is down: drops counted exactly, warned rate-limited, the rest stored', {
    timeout: 120_000,
  }, async (t) => {
    const r = await rig(t);
    const influx = await privateInflux(r);
    const promPort = await freePort();
    const metricsUrl = `http://127.0.0.1:${promPort}/metrics`;
    const agent = await start(
      r,
      rigConfig(r, {
        influx: { port: influx.port, dbName: DB, maxBatchSize: 500 },
        delivery: { spoolMaxMB: 1, memoryQueueMax: 1000 },
        extra: {
          prometheus: { enable: true, host: '127.0.0.1', port: promPort, nodeMetricsHost: '127.0.0.1' },
        },
      }),
    );
    await agent.waitForOutput(INFLUX_READY, 20_000);
    await influx.kill('SIGKILL');

    const total = 5_000;
    const stream = startEventStream({ port: r.udpPort, ratePerSecond: 1000, runId: 'cap', total });
    r.streams.push(stream);
    await stream.untilSent(total);
    const sent = await stream.stop();
    assert.equal(sent, total);

    // Every event the agent took in is in memory, in the spool, or dropped with a reason.
    const full = await waitFor(
      async () => {
        const d = await influxStatus(agent);
        const accounted = inMemory(d) + (d.spooled ?? 0) + (d.dropped?.spool_full ?? 0);
        return accounted === sent ? d : undefined;
      },
      20_000,
      200,
    ).catch(withStatus(agent));
    const spoolFull = full.dropped?.spool_full ?? 0;
    assert.ok(spoolFull > 0, 'the cap was never reached');
    assert.deepEqual(Object.keys(full.dropped ?? {}), ['spool_full']);
    assert.ok(Number(full.spooledBytes) <= 1024 * 1024, `spool holds ${full.spooledBytes} bytes, cap 1 MiB`);
    // The same figures as own metrics, read while nothing moves (InfluxDB is still down).
    const metrics = await deliveryMetrics(metricsUrl, /influx/i);
    assert.equal(metrics['butler_sos_delivery_dropped_total{spool_full}'], spoolFull);
    assert.equal(
      (metrics.butler_sos_delivery_queued ?? 0) + (metrics.butler_sos_delivery_spooled ?? 0),
      (full.queued ?? 0) + (full.spooled ?? 0),
    );
    assert.equal(metrics.butler_sos_delivery_delivered_total, 0);
    const warnings = countLines(agent.output(), SPOOL_DROP_WARNING);
    t.diagnostic(
      `sent ${sent}: in memory ${inMemory(full)}, spooled ${full.spooled} (${full.spooledBytes} bytes), ` +
        `dropped spool_full ${spoolFull}, ${warnings} warning line(s)`,
    );
    assert.ok(warnings >= 1, `no warning about dropped records${explain(agent)}`);
    assert.ok(warnings <= 3, `${warnings} warning lines for ${spoolFull} drops: not rate-limited`);

    await influx.restart();
    const expected = sent - spoolFull;
    await waitFor(
      async () => {
        const d = await influxStatus(agent);
        return settled(d) && (await storedLogEvents(influx.url, DB)).rows >= expected ? d : undefined;
      },
      90_000,
      500,
    ).catch(withStatus(agent, () => storedLogEvents(influx.url, DB)));
    const after = await influxStatus(agent);
    assert.deepEqual(after.dropped, { spool_full: spoolFull }, 'more was dropped during the replay');
    assert.equal(after.delivered, expected);
    assert.deepEqual(await storedLogEvents(influx.url, DB), {
      rows: expected,
      distinct: expected,
      inAutogen: 0,
    });
  });
});
