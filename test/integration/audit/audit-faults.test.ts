/**
 * The audit API's promise under faults: an event answered 202 is stored, once. Each test posts
 * uniquely identified events at 200 per second and, after recovery, compares the events the
 * sender got 202 for with what the real InfluxDB holds (every one present, none twice, nothing
 * else).
 *
 * - InfluxDB killed for 15 s while events keep arriving (agent in this process);
 * - the agent killed with SIGKILL mid-stream and started again on the same folder (a real
 *   child process).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { type RunningAgent, startAgent } from '../../../src/agent/agent.ts';
import { loadConfigText } from '../../../src/config/load.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { makeAgentDir, removeAgentDir, spawnAgent } from '../../support/agent-process.ts';
import { auditAgentSettings } from '../../support/audit-agent-settings.ts';
import { postEnvelope, uniqueViewEnvelope } from '../../support/audit-envelopes.ts';
import { readQvd } from '../../support/qvd-reader.ts';
import {
  freePort,
  queryInflux,
  sharedServices,
  startPrivateInfluxDb,
  uniqueName,
  waitFor,
} from '../../support/services.ts';

const RATE = 200;

/** Short flush intervals (delivery 200 ms, QVD 500 ms): the comparisons wait seconds, not minutes. */
function auditSettings(port: number, influxUrl: string, db: string, dir: string): Record<string, unknown> {
  return auditAgentSettings({
    port,
    influxUrl,
    db,
    dir,
    apiToken: 'change-me',
    queueSize: 2000,
    qvdWriteFrequency: 500,
    delivery: { flushIntervalMs: 200 },
  });
}

/**
 * Posts `RATE` events per second (in ticks of 20 ms) until `until()` says stop; resolves with
 * the ids answered 202 and the count of other answers and failed requests.
 */
async function postAtRate(origin: string, until: () => boolean, offset: number, accepted: string[] = []) {
  /** Requests that got no answer (the agent died under them): stored or not, both are right. */
  const unanswered: string[] = [];
  let other = 0;
  let index = offset;
  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  while (!until()) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE) - (index - offset);
    for (let i = 0; i < due; i++) {
      const envelope = uniqueViewEnvelope(index++, Date.now() - 60_000);
      inFlight.push(
        postEnvelope(origin, envelope).then(
          (answer) => {
            if (answer.status === 202) accepted.push(envelope.eventId as string);
            else other++;
          },
          () => {
            unanswered.push(envelope.eventId as string);
          },
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await Promise.all(inFlight);
  return { accepted, unanswered, other, sent: index - offset };
}

/** Every eventId InfluxDB holds, as often as it holds it. */
async function storedIds(influxUrl: string, db: string): Promise<string[]> {
  const series = await queryInflux(influxUrl, db, 'SELECT eventId, durationMs FROM audit_event').catch(
    () => [],
  );
  const column = series[0]?.columns.indexOf('eventId') ?? -1;
  return (series[0]?.values ?? []).map((row) => String(row[column]));
}

/** Every accepted id stored, none twice; extra ids only among requests that got no answer. */
function assertSameOnce(accepted: string[], stored: string[], unanswered: string[] = []): void {
  assert.equal(new Set(stored).size, stored.length, 'no event stored twice');
  const storedSet = new Set(stored);
  const missing = accepted.filter((id) => !storedSet.has(id));
  assert.deepEqual(missing, [], 'every event answered 202 is stored');
  const known = new Set([...accepted, ...unanswered]);
  assert.deepEqual(
    stored.filter((id) => !known.has(id)),
    [],
    'nothing stored that was refused',
  );
}

test('InfluxDB down for 15 s during 200 events/s: every 202 stored once after recovery', {
  timeout: 120_000,
}, async () => {
  const influx = await startPrivateInfluxDb();
  const dir = makeAgentDir();
  const db = 'audit_outage';
  let agent: RunningAgent | undefined;
  try {
    const port = await freePort();
    const config = loadConfigText(
      stringify({ 'Butler-SOS': auditSettings(port, influx.url, db, dir) }),
      'a.yaml',
    ).config;
    agent = await startAgent({
      config,
      log: createRecordingLogger(),
      version: '0.0.0-test',
      configView: () => ({}),
    });
    const origin = `http://127.0.0.1:${port}`;
    const begin = Date.now();
    let phase = 'before';
    const outage = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await influx.kill('SIGKILL');
      phase = 'down';
      await new Promise((resolve) => setTimeout(resolve, 15_000));
      await influx.restart();
      phase = 'after';
    })();
    const result = await postAtRate(origin, () => Date.now() - begin > 21_000, 0);
    await outage;
    assert.equal(phase, 'after');
    assert.equal(result.other + result.unanswered.length, 0, 'every request answered 202');
    assert.ok(result.accepted.length >= RATE * 18, `sent ${result.accepted.length}`);
    const stored = await waitFor(async () => {
      const ids = await storedIds(influx.url, db);
      const have = new Set(ids);
      return result.accepted.every((id) => have.has(id)) ? ids : undefined;
    }, 60_000);
    assertSameOnce(result.accepted, stored);
    assert.equal(stored.length, result.accepted.length);
  } finally {
    await agent?.stop(5000);
    await influx.stop();
    removeAgentDir(dir);
  }
});

test('agent killed with SIGKILL mid-stream: every 202 stored once after the restart', {
  timeout: 120_000,
}, async () => {
  const influxUrl = sharedServices().influxdbUrl;
  const db = uniqueName('audit_kill');
  const dir = makeAgentDir();
  const port = await freePort();
  const config = { 'Butler-SOS': auditSettings(port, influxUrl, db, dir) };
  const readyPattern = /AUDIT API: Listening on/;
  const origin = `http://127.0.0.1:${port}`;
  try {
    const first = await spawnAgent({ config, dir, readyPattern });
    const begin = Date.now();
    // Killed once a good share of events is in (on a loaded machine that takes longer than on an
    // idle one), while the sender goes on posting.
    const acceptedBefore: string[] = [];
    const killed = (async () => {
      while (acceptedBefore.length < RATE * 2 && Date.now() - begin < 20_000)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await first.kill();
    })();
    const before = await postAtRate(origin, () => !first.running(), 0, acceptedBefore);
    await killed;
    const second = await spawnAgent({ config, dir, readyPattern });
    const restartBegin = Date.now();
    const afterKill = await postAtRate(origin, () => Date.now() - restartBegin > 2000, before.sent);
    const accepted = [...before.accepted, ...afterKill.accepted];
    assert.ok(before.accepted.length >= RATE * 2, `before the kill: ${before.accepted.length} accepted`);
    assert.equal(afterKill.other + afterKill.unanswered.length, 0);
    const unanswered = [...before.unanswered, ...afterKill.unanswered];
    const stored = await waitFor(async () => {
      const ids = await storedIds(influxUrl, db);
      // By id, not by count: events that got no answer may be stored too, and would make a
      // count reach the mark while accepted ones are still being replayed.
      const have = new Set(ids);
      return accepted.every((id) => have.has(id)) ? ids : undefined;
    }, 60_000);
    assertSameOnce(accepted, stored, unanswered);
    await second.stop('SIGTERM');
    // QVD rows are files, not idempotent points: a row may be written again when the agent died
    // between writing its file and forgetting its event. Every accepted event is there.
    const rows = readdirSync(join(dir, 'qvd')).flatMap(
      (name) => readQvd(readFileSync(join(dir, 'qvd', name))).rows,
    );
    const qvdIds = new Set(rows.map((row) => String(row.eventId)));
    assert.deepEqual(
      accepted.filter((id) => !qvdIds.has(id)),
      [],
      'every accepted event is in a QVD file',
    );
    process.stdout.write(
      `# SIGKILL test: ${accepted.length} accepted, ${unanswered.length} unanswered at the kill, ${stored.length} points, ${rows.length} QVD rows (${rows.length - qvdIds.size} written twice)\n`,
    );
  } finally {
    await fetch(`${influxUrl}/query?q=${encodeURIComponent(`DROP DATABASE "${db}"`)}`, {
      method: 'POST',
    }).catch(() => undefined);
    removeAgentDir(dir);
  }
});
