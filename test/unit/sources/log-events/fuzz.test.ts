/**
 * Fuzz: random bytes and mutated valid datagrams (tens of thousands, seeded so failures
 * reproduce) through both handlers and every mapping. Nothing may throw, memory must stay
 * bounded, and the valid datagrams interleaved with the garbage must all come out.
 */
import assert from 'node:assert/strict';
import type { RemoteInfo } from 'node:dgram';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import { logEventToInflux, logEventToMqtt, logEventToNewRelic } from '../../../../src/mapping/log-event.ts';
import {
  userEventToInflux,
  userEventToMqtt,
  userEventToNewRelic,
} from '../../../../src/mapping/user-event.ts';
import { EventCounters, MAX_COUNTER_KEYS } from '../../../../src/records/event-counts.ts';
import type { LogEventRecord } from '../../../../src/records/log-event.ts';
import type { UserEventRecord } from '../../../../src/records/user-event.ts';
import { createLogEventHandler } from '../../../../src/sources/log-events/handler.ts';
import { createUserEventHandler } from '../../../../src/sources/user-events/handler.ts';
import { datagramText, LOG_EVENTS, USER_EVENTS } from '../../../support/datagram-fixtures.ts';
import { everyLogSource } from '../../../support/log-sources.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// The project's well-formed datagrams: every log-event layout, and every user event the parser accepts.
const logValid = LOG_EVENTS.cases.map(datagramText);
const userValid = USER_EVENTS.cases.filter((c) => c.expected !== undefined).map(datagramText);

/** Mulberry32: small, seeded, good enough to explore inputs reproducibly. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ';;;;/\\\u0000\u0001\u001f\u007f\r\n \'"{}-0123456789abcdefABCDEF😀é\uFFFD<>#+';

function mutate(base: string, r: () => number): Buffer {
  const kind = Math.floor(r() * 8);
  const pick = () => ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  const at = () => Math.floor(r() * (base.length + 1));
  switch (kind) {
    case 0: {
      const bytes = Buffer.alloc(Math.floor(r() * 600));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
      return bytes;
    }
    case 1: {
      const i = at();
      return Buffer.from(base.slice(0, i) + pick() + base.slice(i + 1));
    }
    case 2:
      return Buffer.from(base.slice(0, at()));
    case 3: {
      const i = at();
      return Buffer.from(`${base.slice(0, i)};${';'.repeat(Math.floor(r() * 30))}${base.slice(i)}`);
    }
    case 4: {
      const i = at();
      return Buffer.from(base.slice(0, i) + 'Z'.repeat(Math.floor(r() * 20_000)) + base.slice(i));
    }
    case 5: {
      let s = '';
      for (let i = 0; i < 200; i++) s += pick();
      return Buffer.from(`/qseow-engine/${s}`);
    }
    case 6: {
      const b = Buffer.from(base);
      for (let n = 0; n < 5; n++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return b;
    }
    default:
      return Buffer.from(base.toUpperCase());
  }
}

describe('fuzz', () => {
  it('random and mutated datagrams: no crash, bounded memory, valid events still parsed', () => {
    const r = rng(20250314);
    const rinfo = { address: '127.0.0.1', family: 'IPv4', port: 1, size: 0 } as RemoteInfo;
    const counters = new EventCounters();
    const rejectedCounters = new EventCounters();
    const log = createRecordingLogger();
    const logOut: LogEventRecord[] = [];
    const userOut: UserEventRecord[] = [];
    const logHandler = createLogEventHandler({
      ...everyLogSource(),
      categorise: {
        enable: true,
        rules: [
          {
            logLevel: ['warn'],
            action: 'categorise',
            category: [{ name: 'c', value: 'v' }],
            filter: [{ type: 'so', value: 'denied' }],
          },
        ],
        ruleDefault: { enable: true, category: [{ name: 'qs_log_category', value: 'unknown' }] },
      },
      eventCounters: counters,
      rejectedCounters,
      appNameOf: () => 'App',
      emit: (e) => logOut.push(e),
      log,
    });
    const userHandler = createUserEventHandler({
      eventCounters: counters,
      emit: (e) => userOut.push(e),
      log,
    });
    const mqttCfg = {
      sendToMQTT: {
        baseTopic: 'qliksense/logevent',
        postTo: { baseTopic: true, subsystemTopics: true },
        structured: { enable: true },
      },
    };
    const userMqtt = {
      sendToMQTT: { postTo: { everythingTopic: { enable: true, topic: 'u' } }, structured: { enable: true } },
    };
    const lvl = { enable: true, logLevel: { error: true, warn: true } };
    const nrCfg = {
      sendToNewRelic: { source: { engine: lvl, proxy: lvl, repository: lvl, scheduler: lvl } },
    };

    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const rounds = 40_000;
    let validLog = 0;
    let validUser = 0;
    let stamp = 0;
    for (let i = 0; i < rounds; i++) {
      const st = { timeMs: 1, timeNsOffset: stamp++ % 1_000_000 };
      if (i % 10 === 0) {
        logHandler.handle(Buffer.from(logValid[i % logValid.length]!), rinfo, st);
        validLog++;
      } else if (i % 10 === 5) {
        userHandler.handle(Buffer.from(userValid[i % userValid.length]!), rinfo, st);
        validUser++;
      } else {
        const base =
          r() < 0.7
            ? logValid[Math.floor(r() * logValid.length)]!
            : userValid[Math.floor(r() * userValid.length)]!;
        const buf = mutate(base, r);
        logHandler.handle(buf, rinfo, st);
        userHandler.handle(buf, rinfo, st);
      }
      // Map and drop what came out, as the router would, so memory reflects steady state.
      for (const e of logOut.splice(0)) {
        for (const v of [1, 2, 3] as const)
          logEventToInflux(e, v, { tags: null, rawEventIncludesTags: true });
        logEventToMqtt(e, mqttCfg);
        logEventToNewRelic(e, nrCfg);
        if (e.category === undefined || JSON.stringify(e).includes('"undefined"')) assert.fail('bad record');
        validLog--;
      }
      for (const e of userOut.splice(0)) {
        for (const v of [1, 2, 3] as const) userEventToInflux(e, v, {});
        userEventToMqtt(e, userMqtt);
        userEventToNewRelic(e, { sendToNewRelic: { scramble: true } });
        validUser--;
      }
      if (i % 10_000 === 0) counters.take(0);
    }
    const elapsed = performance.now() - started;
    gc();
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;

    // Every valid datagram came out (mutations that still parse add more, so ≤ 0).
    assert.ok(validLog <= 0, `valid log events lost: ${validLog}`);
    assert.ok(validUser <= 0, `valid user events lost: ${validUser}`);
    const ls = logHandler.stats();
    const rejectedTotal = Object.values(ls.rejected).reduce((a, b) => a + b, 0);
    assert.ok(rejectedTotal > rounds / 4, `most garbage rejected and counted ${JSON.stringify(ls)}`);
    assert.ok(counters.size <= 2 * (MAX_COUNTER_KEYS + 1));
    assert.ok(heapGrowthMb < 30, `heap grew by ${heapGrowthMb.toFixed(1)} MB`);
    assert.ok(log.lines.length < 200, `log lines rate-limited (${log.lines.length})`);
    assert.ok(elapsed < 30_000);
  });
});
