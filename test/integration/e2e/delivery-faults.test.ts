/**
 * Delivery fault tests against real services: the agent runs as a child process
 * (test/support/agent-process.ts) with engine log events on a UDP port, writing to a private
 * InfluxDB 1.x or Mosquitto that the test kills and restarts. Every event carries a unique id
 * in its message, so "stored exactly once" is `rows == distinct == sent`.
 *
 * The four tests run concurrently (each has its own services and agent), so together they
 * take as long as the slowest: about a minute, bounded by the waits below. No timing is
 * asserted except the documented shutdown deadline, with a wide margin.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AgentProcess } from '../../support/agent-process.ts';
import { freePort, startPrivateMosquitto, waitFor } from '../../support/services.ts';
import { type StoredCount, startEventStream, storedLogEvents, subscribe } from './helpers.ts';
import { destination, explain, INFLUX_READY, privateInflux, rig, rigConfig, settled, start } from './rig.ts';

const DB = 'e2e_faults';
/** After a 15 s outage the delivery layer's backoff (≤ 30 s, full jitter) must come round. */
const RECOVERY_TIMEOUT_MS = 90_000;

/** Waits until the agent has provisioned InfluxDB, so that killing it afterwards tests
 * delivery, not provisioning (which has a test of its own below). */
async function influxReady(agent: AgentProcess): Promise<void> {
  await agent.waitForOutput(INFLUX_READY, 20_000);
}

/**
 * Waits until InfluxDB holds `expected` log events (as `counted` counts them), then until the
 * agent's InfluxDB destination has nothing left to write, so nothing could still arrive twice.
 */
async function untilStoredAndSettled(
  agent: AgentProcess,
  influxUrl: string,
  expected: number,
  counted: (stored: StoredCount) => number = (stored) => stored.rows,
): Promise<void> {
  await waitFor(
    async () => counted(await storedLogEvents(influxUrl, DB)) >= expected,
    RECOVERY_TIMEOUT_MS,
    500,
  ).catch(async (error) => {
    const stored = await storedLogEvents(influxUrl, DB).catch((e: Error) => e.message);
    throw new Error(`${(error as Error).message}: ${JSON.stringify(stored)}${explain(agent)}`);
  });
  await waitFor(async () => settled(await destination(agent, /influx/i)), 30_000, 250);
}

/** UDP datagrams the agent has read from its sockets, from its /metrics. */
async function datagramsReceived(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^butlersos_udp_datagrams_received_total(?:\{[^}]*\})? (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

describe('delivery under faults (real services, agent as a child process)', { concurrency: true }, () => {
  test('InfluxDB SIGKILLed for 15 s during 30 s at 1,000 events/s: every event stored exactly once', {
    timeout: 170_000,
  }, async (t) => {
    const r = await rig(t);
    const influx = await privateInflux(r);
    const agent = await start(
      r,
      rigConfig(r, {
        influx: { port: influx.port, dbName: DB },
      }),
    );

    await influxReady(agent);
    const stream = startEventStream({ port: r.udpPort, ratePerSecond: 1000, runId: 'outage', total: 30_000 });
    r.streams.push(stream);
    await stream.untilSent(5_000);
    await influx.kill('SIGKILL');
    await stream.untilSent(20_000);
    await influx.restart();
    await stream.untilSent(30_000);
    const sent = await stream.stop();
    assert.equal(sent, 30_000);
    assert.ok(agent.running(), `the agent died during the outage${explain(agent)}`);

    await untilStoredAndSettled(agent, influx.url, sent);
    const stored = await storedLogEvents(influx.url, DB);
    t.diagnostic(`sent ${sent}, stored ${stored.rows} points, ${stored.distinct} distinct`);
    assert.deepEqual(stored, { rows: sent, distinct: sent, inAutogen: 0 });
  });

  test('Mosquitto restarted during a stream: every accepted message delivered', {
    timeout: 120_000,
  }, async (t) => {
    const r = await rig(t);
    const broker = await startPrivateMosquitto();
    r.services.push(broker);
    const topic = 'e2e/logevent';
    const subscriber = await subscribe({
      url: broker.url,
      topic,
      clientId: `e2e-sub-${process.pid}`,
      runId: 'mqtt',
    });
    t.after(() => subscriber.close());
    const agent = await start(
      r,
      rigConfig(r, {
        mqtt: { port: broker.port, topic },
      }),
    );

    const stream = startEventStream({ port: r.udpPort, ratePerSecond: 500, runId: 'mqtt', total: 8_000 });
    r.streams.push(stream);
    await stream.untilSent(3_000);
    await broker.restart(); // SIGTERM: Mosquitto saves the subscriber's persistent session
    await stream.untilSent(8_000);
    const sent = await stream.stop();
    assert.equal(sent, 8_000);

    // Accepted = what the agent took in: delivered (acknowledged by the broker) plus spooled
    // plus still queued; once settled, delivered is all of it.
    const mqttStatus = await waitFor(
      async () => {
        const d = await destination(agent, /mqtt/i);
        return settled(d) && (d.delivered ?? 0) >= sent ? d : undefined;
      },
      RECOVERY_TIMEOUT_MS,
      250,
    ).catch(async (error) => {
      throw new Error(
        `${(error as Error).message}: ${JSON.stringify(await agent.status())}${explain(agent)}`,
      );
    });
    const accepted = mqttStatus.delivered ?? 0;
    assert.deepEqual(mqttStatus.dropped ?? {}, {});
    await waitFor(() => subscriber.ids.size >= accepted, 30_000, 100).catch((error) => {
      throw new Error(`${(error as Error).message}: subscriber has ${subscriber.ids.size} of ${accepted}`);
    });
    t.diagnostic(
      `sent ${sent}, agent delivered ${accepted}, subscriber got ${subscriber.ids.size} distinct of ${subscriber.received()}`,
    );
    assert.equal(accepted, sent);
    assert.equal(subscriber.ids.size, sent);
    assert.ok([...subscriber.ids].every((id) => id >= 0 && id < sent));
  });

  test('agent SIGKILLed mid-stream while InfluxDB is down: the spool is delivered after restart', {
    timeout: 120_000,
  }, async (t) => {
    const r = await rig(t);
    const influx = await privateInflux(r);
    // A small memory bound, so that the disk spool takes over within a second or two.
    const config = rigConfig(r, {
      influx: { port: influx.port, dbName: DB, maxBatchSize: 500 },
      delivery: { memoryQueueMax: 1000 },
    });
    const first = await start(r, config);
    await influxReady(first);
    await influx.kill('SIGKILL');

    const stream = startEventStream({ port: r.udpPort, ratePerSecond: 1000, runId: 'crash' });
    r.streams.push(stream);
    // On disk (the spool accepted them) before the kill: these must survive it.
    const before = await waitFor(
      async () => {
        const d = await destination(first, /influx/i);
        return (d.overflowed ?? 0) >= 2_000 ? d : undefined;
      },
      30_000,
      100,
    ).catch(async (error) => {
      throw new Error(
        `spool never engaged: ${(error as Error).message}: ${JSON.stringify(await first.status())}${explain(first)}`,
      );
    });
    const killed = await first.kill(); // mid-stream: the stream is still running
    assert.equal(killed.signal, 'SIGKILL');
    const sent = await stream.stop();
    await influx.restart();

    const second = await start(r, config);
    const spooledBefore = before.overflowed ?? 0;
    await untilStoredAndSettled(second, influx.url, spooledBefore);
    const stored = await storedLogEvents(influx.url, DB);
    t.diagnostic(
      `sent ${sent}, spooled before the kill ${spooledBefore}, stored ${stored.rows} (${stored.distinct} distinct)`,
    );
    assert.equal(stored.rows, stored.distinct, 'an event was stored twice');
    assert.equal(stored.inAutogen, 0, 'events written outside the configured retention policy');
    assert.ok(
      stored.distinct >= spooledBefore,
      `only ${stored.distinct} of ${spooledBefore} spooled events stored`,
    );
    assert.ok(stored.distinct <= sent);
  });

  test('1,000 events/s for 6 s while InfluxDB is down, agent SIGKILLed 1 s after: all 6,000 stored', {
    timeout: 170_000,
  }, async (t) => {
    const r = await rig(t);
    const influx = await privateInflux(r);
    // The default delivery settings: the batch being retried must be on disk, not in memory.
    const config = rigConfig(r, { influx: { port: influx.port, dbName: DB } });
    // /metrics tells when the agent has read every datagram from its socket: what is still in
    // the kernel's receive buffer at a SIGKILL was never the agent's to lose.
    const metricsPort = await freePort();
    (config['Butler-SOS'] as Record<string, unknown>).prometheus = {
      enable: true,
      host: '127.0.0.1',
      port: metricsPort,
      nodeMetricsPort: await freePort(),
    };
    const first = await start(r, config);
    await influxReady(first);
    await influx.kill('SIGKILL');

    const stream = startEventStream({
      port: r.udpPort,
      ratePerSecond: 1000,
      runId: 'down-crash',
      total: 6000,
    });
    r.streams.push(stream);
    await stream.untilSent(6000);
    const sent = await stream.stop();
    await waitFor(async () => ((await datagramsReceived(metricsPort)) >= sent ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const killed = await first.kill();
    assert.equal(killed.signal, 'SIGKILL');
    await influx.restart();

    const second = await start(r, config);
    await untilStoredAndSettled(second, influx.url, sent);
    const stored = await storedLogEvents(influx.url, DB);
    t.diagnostic(`sent ${sent}, stored ${stored.rows} points, ${stored.distinct} distinct`);
    assert.deepEqual(stored, { rows: sent, distinct: sent, inAutogen: 0 });
  });

  test('disk-first mode: every event goes through the spool and is stored exactly once', {
    timeout: 90_000,
  }, async (t) => {
    const r = await rig(t);
    const influx = await privateInflux(r);
    const agent = await start(
      r,
      rigConfig(r, { influx: { port: influx.port, dbName: DB }, delivery: { diskFirst: true } }),
    );
    await influxReady(agent);
    const stream = startEventStream({
      port: r.udpPort,
      ratePerSecond: 1000,
      runId: 'disk-first',
      total: 3000,
    });
    r.streams.push(stream);
    await stream.untilSent(3000);
    const sent = await stream.stop();
    await untilStoredAndSettled(agent, influx.url, sent);
    const stored = await storedLogEvents(influx.url, DB);
    const d = await destination(agent, /influx/i);
    t.diagnostic(`sent ${sent}, stored ${stored.rows}, through the spool ${d.overflowed}`);
    assert.deepEqual(stored, { rows: sent, distinct: sent, inAutogen: 0 });
    assert.equal(d.overflowed, sent, 'every event went through the spool');
  });

  test('SIGTERM with InfluxDB down: exit 0 within the deadline, the next start delivers the spool', {
    timeout: 120_000,
  }, async (t) => {
    const r = await rig(t);
    const influx = await privateInflux(r);
    const shutdownDeadlineMs = 3_000;
    const config = rigConfig(r, {
      influx: { port: influx.port, dbName: DB },
      delivery: { shutdownDeadlineMs },
    });
    const first = await start(r, config);
    await influxReady(first);
    await influx.kill('SIGKILL');

    const stream = startEventStream({ port: r.udpPort, ratePerSecond: 1000, runId: 'sigterm', total: 3_000 });
    r.streams.push(stream);
    await stream.untilSent(3_000);
    const sent = await stream.stop();
    // Everything sent has reached the agent's delivery queue (in memory, in flight or spooled).
    await waitFor(
      async () => {
        const d = await destination(first, /influx/i);
        return (d.queued ?? 0) + (d.inFlight ?? 0) + (d.spooled ?? 0) + (d.delivered ?? 0) >= sent;
      },
      20_000,
      100,
    );

    const exit = await first.stop('SIGTERM');
    t.diagnostic(`exit ${exit.signal ?? exit.code} after ${exit.ms} ms (deadline ${shutdownDeadlineMs} ms)`);
    assert.equal(exit.code, 0, `exit ${exit.signal ?? exit.code}${explain(first)}`);
    // Wide margin over the deadline: process teardown, not flushing, takes the rest.
    assert.ok(exit.ms < shutdownDeadlineMs + 5_000, `took ${exit.ms} ms`);

    await influx.restart();
    const second = await start(r, config);
    await untilStoredAndSettled(second, influx.url, sent);
    assert.deepEqual(await storedLogEvents(influx.url, DB), { rows: sent, distinct: sent, inAutogen: 0 });
  });
  test('InfluxDB down when the agent starts: provisioned once it is up, every event stored', {
    timeout: 120_000,
  }, async (t) => {
    const r = await rig(t);
    const influx = await privateInflux(r);
    await influx.kill('SIGKILL'); // never provisioned: no database yet
    const agent = await start(
      r,
      rigConfig(r, {
        influx: { port: influx.port, dbName: DB },
      }),
    );
    const stream = startEventStream({ port: r.udpPort, ratePerSecond: 1000, runId: 'late', total: 2_000 });
    r.streams.push(stream);
    await stream.untilSent(2_000);
    const sent = await stream.stop();
    await influx.restart();

    await untilStoredAndSettled(agent, influx.url, sent, (stored) => stored.rows + stored.inAutogen);
    assert.deepEqual(await storedLogEvents(influx.url, DB), { rows: sent, distinct: sent, inAutogen: 0 });
  });
});
