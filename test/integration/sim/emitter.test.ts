import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  MALFORMED_LOG_KINDS,
  MALFORMED_USER_KINDS,
  malformedLogDatagram,
  malformedUserDatagram,
} from '../../../sim/datagrams.ts';
import { startSimulator } from '../../../sim/index.ts';

interface Receiver {
  socket: Socket;
  port: number;
  received: Buffer[];
}

async function receiver(): Promise<Receiver> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (msg) => received.push(msg));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setRecvBufferSize(4 * 1024 * 1024);
  return { socket, port: socket.address().port, received };
}

const MARKER_KIND: Record<string, string> = {
  '/qseow-engine/': 'engine',
  '/qseow-proxy/': 'proxy',
  '/qseow-repository/': 'repository',
  '/qseow-scheduler/': 'scheduler',
  '/qseow-qix-perf/': 'qixPerf',
  '/qseow-proxy-session/': 'userSession',
  '/qseow-proxy-connection/': 'userConnection',
};
const badLog = new Map(
  MALFORMED_LOG_KINDS.map((k) => [malformedLogDatagram(k).toString('latin1'), `badLog.${k}`]),
);
const badUser = new Map(
  MALFORMED_USER_KINDS.map((k) => [malformedUserDatagram(k).toString('latin1'), `badUser.${k}`]),
);

/** Counts received datagrams by the kind the emitter reports them under. */
function classify(buffers: Buffer[], bad: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of buffers) {
    const kind =
      bad.get(b.toString('latin1')) ?? MARKER_KIND[b.toString('utf8').split(';')[0] as string] ?? 'unknown';
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

function pick(stats: Record<string, number>, prefix: (k: string) => boolean): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).filter(([k]) => prefix(k)));
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-udp-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('at a steady rate, the emitter’s counts by kind match what the receivers got', async () => {
  const [logs, users] = await Promise.all([receiver(), receiver()]);
  const sim = await startSimulator({
    certDir: join(dir, 'certs'),
    servers: 3,
    enginePort: 0,
    proxyPort: 0,
    qrsPort: 0,
    udpLog: { host: '127.0.0.1', port: logs.port },
    udpUser: { host: '127.0.0.1', port: users.port },
    rate: 3000,
    badFraction: 0.1,
    seed: 17,
  });
  try {
    await until(() => (sim.emitter.stats().total ?? 0) >= 1500);
  } finally {
    await sim.stop();
  }
  const stats = sim.emitter.stats();
  await until(() => logs.received.length + users.received.length >= (stats.total ?? 0));
  logs.socket.close();
  users.socket.close();

  assert.ok((stats.total ?? 0) >= 1500);
  assert.equal(stats.sendErrors, undefined, 'no send errors');
  assert.equal(logs.received.length, stats.logDatagrams);
  assert.equal(users.received.length, stats.userDatagrams);
  assert.equal(logs.received.length + users.received.length, stats.total);

  const logKinds = classify(logs.received, badLog);
  const userKinds = classify(users.received, badUser);
  assert.equal(logKinds.unknown, undefined);
  assert.equal(userKinds.unknown, undefined);
  assert.deepEqual(
    logKinds,
    pick(
      stats,
      (k) => ['engine', 'proxy', 'repository', 'scheduler', 'qixPerf'].includes(k) || k.startsWith('badLog.'),
    ),
  );
  assert.deepEqual(
    userKinds,
    pick(stats, (k) => ['userSession', 'userConnection'].includes(k) || k.startsWith('badUser.')),
  );
  for (const kind of [
    'engine',
    'proxy',
    'repository',
    'scheduler',
    'qixPerf',
    'userSession',
    'userConnection',
  ]) {
    assert.ok((stats[kind] ?? 0) > 0, `${kind} sent`);
  }
  const bad = (stats.badLog ?? 0) + (stats.badUser ?? 0);
  assert.ok(bad > 0 && bad < (stats.total ?? 0) / 4, `about a tenth malformed: ${bad}/${stats.total}`);
  // Events come from every simulated node.
  const hosts = new Set(logs.received.map((b) => b.toString('utf8').split(';')[5]));
  for (const s of sim.servers) assert.ok(hosts.has(s.hostName), s.hostName);
});

test('sendLogEvents and sendUserEvents send exactly n datagrams each', async () => {
  const [logs, users] = await Promise.all([receiver(), receiver()]);
  const sim = await startSimulator({
    certDir: join(dir, 'certs'),
    enginePort: 0,
    proxyPort: 0,
    qrsPort: 0,
    udpLog: { host: '127.0.0.1', port: logs.port },
    udpUser: { host: '127.0.0.1', port: users.port },
    seed: 3,
  });
  try {
    await sim.emitter.sendLogEvents(300);
    await sim.emitter.sendUserEvents(200);
    await until(() => logs.received.length >= 300 && users.received.length >= 200);
    assert.equal(sim.emitter.stats().logDatagrams, 300);
    assert.equal(sim.emitter.stats().userDatagrams, 200);
    assert.equal(logs.received.length, 300);
    assert.equal(users.received.length, 200);
    assert.equal(sim.emitter.stats().badLog, undefined, 'no malformed datagrams unless asked');
    await assert.rejects(sim.emitter.sendLogEvents(-1), /whole number/);
  } finally {
    await sim.stop();
    logs.socket.close();
    users.socket.close();
  }
});

test('without a target, asking for events is a clear error', async () => {
  const sim = await startSimulator({ certDir: join(dir, 'certs'), enginePort: 0, proxyPort: 0, qrsPort: 0 });
  try {
    await assert.rejects(sim.emitter.sendLogEvents(1), /no log-event target/);
    await assert.rejects(sim.emitter.sendUserEvents(1), /no user-event target/);
  } finally {
    await sim.stop();
  }
});

test('with badFraction 1 every datagram is one of the malformed kinds', async () => {
  const logs = await receiver();
  const sim = await startSimulator({
    certDir: join(dir, 'certs'),
    enginePort: 0,
    proxyPort: 0,
    qrsPort: 0,
    udpLog: { host: '127.0.0.1', port: logs.port },
    badFraction: 1,
    seed: 8,
  });
  try {
    await sim.emitter.sendLogEvents(200);
    await until(() => logs.received.length >= 200);
  } finally {
    await sim.stop();
    logs.socket.close();
  }
  const kinds = classify(logs.received, badLog);
  assert.equal(logs.received.length, 200);
  assert.ok(
    Object.keys(kinds).every((k) => k.startsWith('badLog.')),
    JSON.stringify(kinds),
  );
  assert.ok(Object.keys(kinds).length > MALFORMED_LOG_KINDS.length / 2, 'a variety of kinds');
  assert.equal(sim.emitter.stats().badLog, 200);
});

test('an unusable UDP target is a clear start-up error; a silent one only counts send errors', async () => {
  await assert.rejects(
    startSimulator({
      certDir: join(dir, 'certs'),
      enginePort: 0,
      proxyPort: 0,
      qrsPort: 0,
      udpLog: { host: 'no-such-host.invalid', port: 9996 },
    }),
    /cannot send UDP to no-such-host\.invalid:9996/,
  );

  // A port nobody listens on: the kernel reports "connection refused" per send; nothing breaks.
  const gone = await receiver();
  gone.socket.close();
  const sim = await startSimulator({
    certDir: join(dir, 'certs'),
    enginePort: 0,
    proxyPort: 0,
    qrsPort: 0,
    udpLog: { host: '127.0.0.1', port: gone.port },
  });
  try {
    for (let i = 0; i < 20; i++) await sim.emitter.sendLogEvents(10);
    const stats = sim.emitter.stats();
    assert.equal((stats.logDatagrams ?? 0) + (stats.sendErrors ?? 0), 200);
    assert.ok((stats.sendErrors ?? 0) > 0, 'refusals are counted');
  } finally {
    await sim.stop();
  }
  await assert.rejects(sim.emitter.sendLogEvents(1), /stopped/);
});
