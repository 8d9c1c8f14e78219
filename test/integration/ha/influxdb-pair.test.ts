/**
 * Two agents configured alike (ha on, same cluster) write to one real InfluxDB; Sense's
 * datagrams reach both; one agent is SIGKILLed half-way. A third agent, alone, writes the
 * same input to a database of its own. The pair's database must hold what the single agent's
 * holds: every log event and user event once, and one health point per server and second.
 * 2,000 of the log events share one millisecond and still stay 2,000 points.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { engineLogDatagram, longIso8601Date, userSessionDatagram } from '../../../sim/datagrams.ts';
import { queryInflux, sharedServices, uniqueName } from '../../support/services.ts';
import {
  dropInfluxDatabase,
  type SimulatedCluster,
  startSimulatedCluster,
} from '../agent/simulated-cluster.ts';
import { midSecond, type PairAgent, sendToAll, sleep, startHaAgent } from './pair.ts';

const { influxdbUrl } = sharedServices();
const pairDb = uniqueName('ha_pair');
const singleDb = uniqueName('ha_single');
let cluster: SimulatedCluster;
const agents: PairAgent[] = [];

function influx(db: string): Record<string, unknown> {
  const { hostname, port } = new URL(influxdbUrl);
  return {
    influxdbConfig: {
      enable: true,
      host: hostname,
      port: Number(port),
      version: 1,
      maxBatchSize: 1000,
      v1Config: { auth: { enable: false }, dbName: db, retentionPolicy: { name: '10d', duration: '10d' } },
    },
    logEvents: { sendToInfluxdb: { enable: true } },
  };
}

/** Points of a measurement: the largest count over its fields (`count(*)` counts per field). */
async function points(db: string, measurement: string): Promise<number> {
  const [series] = await queryInflux(influxdbUrl, db, `SELECT count(*) FROM "${measurement}"`);
  return Math.max(0, ...(series?.values[0]?.slice(1) ?? []).map(Number));
}

before(async () => {
  cluster = await startSimulatedCluster(31);
});

after(async () => {
  for (const agent of agents) await agent.process.stop();
  await cluster?.stop();
  await dropInfluxDatabase(influxdbUrl, pairDb);
  await dropInfluxDatabase(influxdbUrl, singleDb);
});

test('an HA pair with one agent killed stores what a single agent stores', async () => {
  const merge = (db: string) => ({ ...influx(db), userEvents: { sendToInfluxdb: { enable: true } } });
  const [a, b, single] = await Promise.all([
    startHaAgent(cluster.sim, { replica: 'a', cluster: 'pair' }, merge(pairDb)),
    startHaAgent(cluster.sim, { replica: 'b', cluster: 'pair' }, merge(pairDb)),
    startHaAgent(cluster.sim, { replica: 's', cluster: 'single' }, merge(singleDb)),
  ]);
  agents.push(a as PairAgent, b as PairAgent, single as PairAgent);
  const all = [a, b, single] as PairAgent[];
  const startedAt = Date.now();
  await sleep(2000);

  // 2,000 events of one appender in one millisecond, then 500 more spread out.
  const oneMs = longIso8601Date(new Date());
  const sameMs = Array.from({ length: 2000 }, (_, i) => engineLogDatagram({ rownum: i + 1, isoDate: oneMs }));
  await sendToAll(all, 'logPort', sameMs);
  await midSecond();
  await sendToAll(
    all,
    'userPort',
    Array.from({ length: 30 }, (_, i) => userSessionDatagram({ userId: `user${i % 7}` })),
  );
  await sleep(1500);
  await (a as PairAgent).process.kill();
  const base = Date.now();
  const later = Array.from({ length: 500 }, (_, i) =>
    engineLogDatagram({ rownum: 2001 + i, isoDate: longIso8601Date(new Date(base + i * 7)) }),
  );
  await sendToAll([b, single] as PairAgent[], 'logPort', later);
  await midSecond();
  await sendToAll(
    [b, single] as PairAgent[],
    'userPort',
    Array.from({ length: 20 }, () => userSessionDatagram({ command: 'Stop session' })),
  );
  await sleep(2500);
  const stoppedAt = Date.now();
  await Promise.all([(b as PairAgent).process.stop(), (single as PairAgent).process.stop()]);

  for (const db of [pairDb, singleDb]) {
    assert.equal(await points(db, 'log_event'), 2500, `${db}: every log event once`);
    assert.equal(await points(db, 'user_events'), 50, `${db}: every user event once`);
  }
  // Health: one point per server and second, on the grid, in both databases alike.
  const window = `time >= ${startedAt + 1000}ms AND time <= ${stoppedAt - 1500}ms`;
  const perServer = async (db: string) =>
    (
      await queryInflux(
        influxdbUrl,
        db,
        `SELECT count("free") FROM "mem" WHERE ${window} GROUP BY "server_name"`,
      )
    ).map((s) => [s.tags?.server_name, s.values[0]?.[1]]);
  const pair = await perServer(pairDb);
  assert.equal(pair.length, 3);
  assert.deepEqual(pair, await perServer(singleDb));
  const seconds = Math.floor((stoppedAt - 1500) / 1000) - Math.ceil((startedAt + 1000) / 1000) + 1;
  // Never more than one point per second (two agents' points would double it). A machine
  // busy enough to stall an agent past a whole slot skips that slot in both databases alike.
  for (const [, n] of pair) {
    assert.ok(Number(n) <= seconds && Number(n) >= seconds - 1, `one point per second: ${n} of ${seconds}`);
  }
});
