import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type HealthcheckJson, ServerModel } from '../../../sim/model.ts';
import { createRandom } from '../../../sim/random.ts';

function nodes(seed: number, count = 3): ServerModel[] {
  const rng = createRandom(seed);
  return Array.from(
    { length: count },
    (_, i) => new ServerModel(i, `sense-node-${i + 1}`, ['/', '/hdr'], rng, new Date(2025, 2, 10, 6)),
  );
}

function run(model: ServerModel, steps: number): HealthcheckJson[] {
  const out: HealthcheckJson[] = [];
  for (let i = 0; i < steps; i++) {
    model.step();
    out.push(model.health());
  }
  return out;
}

test('engine figures change over time; cumulative counters only grow', () => {
  const [model] = nodes(1);
  const samples = run(model as ServerModel, 300);
  const distinct = (f: (h: HealthcheckJson) => unknown) =>
    new Set(samples.map((h) => JSON.stringify(f(h)))).size;
  assert.ok(distinct((h) => h.mem.committed) > 100, 'memory moves');
  assert.ok(distinct((h) => h.cpu.total) > 10, 'CPU moves');
  assert.ok(distinct((h) => h.session.total) > 3, 'sessions come and go');
  assert.ok(distinct((h) => h.users.total) > 3, 'users come and go');
  assert.ok(distinct((h) => h.apps.loaded_docs) > 20, 'apps load and unload');
  assert.ok(samples.some((h) => h.saturated) && samples.some((h) => !h.saturated), 'saturated now and then');
  assert.ok(
    samples.some((h) => h.apps.in_memory_docs.some((d) => d.startsWith('SessionApp_'))),
    'session apps',
  );
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1] as HealthcheckJson, samples[i] as HealthcheckJson];
    for (const k of ['hits', 'lookups', 'added', 'replaced', 'bytes_added'] as const)
      assert.ok(b.cache[k] >= a.cache[k]);
    assert.ok(b.apps.calls >= a.apps.calls && b.apps.selections >= a.apps.selections);
    assert.ok(b.cache.hits <= b.cache.lookups);
  }
  assert.ok(
    (samples.at(-1) as HealthcheckJson).cache.lookups > (samples[0] as HealthcheckJson).cache.lookups,
  );
});

test('figures are consistent with each other', () => {
  const [model] = nodes(2);
  for (const h of run(model as ServerModel, 200)) {
    assert.ok(h.session.active <= h.session.total);
    assert.ok(h.users.active <= h.users.total && h.users.total <= h.session.total);
    assert.ok(h.mem.allocated > h.mem.committed);
    assert.ok(Math.abs(h.mem.free + h.mem.allocated - h.mem.totalPhysical) < 0.01);
    assert.ok(h.cpu.total >= 0 && h.cpu.total <= 100 && Number.isInteger(h.cpu.total));
    for (const d of h.apps.active_docs) assert.ok(h.apps.loaded_docs.includes(d), 'active docs are loaded');
    for (const d of h.apps.loaded_docs)
      assert.ok(h.apps.in_memory_docs.includes(d), 'loaded docs are in memory');
    assert.equal(new Set(h.apps.in_memory_docs).size, h.apps.in_memory_docs.length, 'no duplicates');
    assert.match(h.started, /^\d{8}T\d{6}\.000[+-]\d{4}$/);
  }
});

test('engine doc ids are the QRS app ids of that node (session apps aside); nodes have distinct apps and users', () => {
  const all = nodes(3);
  const qrsIds = new Set(all.flatMap((m) => m.qrsApps().map((a) => a.id)));
  assert.equal(qrsIds.size, all.length * all[0]!.apps.length, 'app ids unique across the cluster');
  const names = all.flatMap((m) => m.apps.map((a) => a.name));
  assert.equal(new Set(names).size, names.length, 'app names distinct across nodes');
  const users = all.flatMap((m) => m.users.map((u) => u.id));
  assert.equal(new Set(users).size, users.length, 'users distinct across nodes');
  for (const m of all) {
    const own = new Set(m.apps.map((a) => a.id));
    for (const h of run(m, 100)) {
      for (const d of h.apps.in_memory_docs) assert.ok(d.startsWith('SessionApp_') || own.has(d), d);
    }
  }
});

test('proxy sessions have the shape of docs/reference/sense-apis.md#proxy-session-response and are split by virtual proxy', () => {
  const [model] = nodes(4);
  let seenHdr = false;
  for (let i = 0; i < 50; i++) {
    (model as ServerModel).step();
    const root = (model as ServerModel).sessionsFor('/');
    const hdr = (model as ServerModel).sessionsFor('/hdr');
    seenHdr ||= hdr.length > 0;
    assert.equal(root.length + hdr.length, (model as ServerModel).sessions.length);
    for (const s of [...root, ...hdr]) {
      assert.deepEqual(Object.keys(s), ['UserDirectory', 'UserId', 'Attributes', 'SessionId']);
      assert.ok(Array.isArray(s.Attributes));
      for (const a of s.Attributes) assert.equal(Object.keys(a).length, 1);
      assert.match(s.SessionId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  }
  assert.ok(seenHdr, 'the second virtual proxy gets sessions too');
  assert.deepEqual((model as ServerModel).sessionsFor('/other'), []);
});

test('the same seed gives the same values', () => {
  const a = nodes(9, 2);
  const b = nodes(9, 2);
  for (let i = 0; i < 20; i++) {
    for (const j of [0, 1]) {
      a[j]!.step();
      b[j]!.step();
      assert.deepEqual(a[j]!.health(), b[j]!.health());
      assert.deepEqual(a[j]!.sessionsFor('/'), b[j]!.sessionsFor('/'));
    }
  }
  assert.notDeepEqual(nodes(10, 1)[0]!.health(), nodes(9, 1)[0]!.health());
});
