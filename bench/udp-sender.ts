/**
 * Child process of the UDP benchmarks: sends realistic datagrams (from the simulator's event
 * factory) to 127.0.0.1:PORT at RATE per second for SECONDS, paced per 5 ms tick, then prints
 * how many it sent, and their average size, as JSON on stdout.
 *
 *   node bench/udp-sender.ts PORT RATE SECONDS [KIND]
 *
 * KIND: engine (default), proxy, repository, scheduler, qixPerf (log events), or user (user
 * session and connection events, alternating).
 */
import { createSocket } from 'node:dgram';
import { EventFactory, LOG_EVENT_KINDS, type LogEventKind } from '../sim/events.ts';
import { ServerModel } from '../sim/model.ts';
import { createRandom } from '../sim/random.ts';

export const SENDER_KINDS = [...LOG_EVENT_KINDS, 'user'] as const;
export type SenderKind = (typeof SENDER_KINDS)[number];

/** A pool of datagrams of one kind, from 4 simulated nodes (seeded: the same in every run). */
export function datagramPool(kind: SenderKind, size = 5000): Buffer[] {
  const rng = createRandom(7);
  const models = [0, 1, 2, 3].map(
    (i) => new ServerModel(i, `sense-node-${i + 1}`, ['/'], rng, new Date(2025, 2, 10)),
  );
  const factory = new EventFactory(models, rng);
  return Array.from({ length: size }, (_, i) => {
    const node = i % models.length;
    const text =
      kind === 'user'
        ? factory.userEvent(i % 2 === 0 ? 'userSession' : 'userConnection', node).datagram
        : factory.logEvent(kind as LogEventKind, node);
    return Buffer.from(text, 'utf8');
  });
}

function send(port: number, rate: number, seconds: number, kind: SenderKind): void {
  const pool = datagramPool(kind);
  const averageBytes = Math.round(pool.reduce((sum, d) => sum + d.length, 0) / pool.length);
  const socket = createSocket('udp4');
  socket.on('error', () => {});
  socket.connect(port, '127.0.0.1', () => {
    let sent = 0;
    let errors = 0;
    let inFlight = 0;
    const total = Math.round(rate * seconds);
    const start = performance.now();
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor((rate * (performance.now() - start)) / 1000));
      while (sent + errors + inFlight < due) {
        inFlight++;
        socket.send(pool[(sent + errors + inFlight) % pool.length]!, (err) => {
          inFlight--;
          if (err) errors++;
          else sent++;
        });
      }
      if (sent + errors >= total) {
        clearInterval(tick);
        socket.close();
        const result = { sent, errors, seconds: (performance.now() - start) / 1000, averageBytes };
        process.stdout.write(`${JSON.stringify(result)}\n`);
      }
    }, 5);
  });
}

if (import.meta.main) {
  const [port, rate, seconds] = process.argv.slice(2, 5).map(Number) as [number, number, number];
  const kind = (process.argv[5] ?? 'engine') as SenderKind;
  if (!SENDER_KINDS.includes(kind)) throw new Error(`KIND must be one of ${SENDER_KINDS.join(', ')}`);
  send(port, rate, seconds, kind);
}
