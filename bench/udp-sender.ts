/**
 * Child process of bench/udp-listener.ts: sends realistic engine log-event datagrams (from
 * the simulator's event factory) to 127.0.0.1:PORT at RATE per second for SECONDS, paced
 * per 5 ms tick, then prints how many it sent as JSON on stdout.
 *
 *   node bench/udp-sender.ts PORT RATE SECONDS
 */
import { createSocket } from 'node:dgram';
import { EventFactory } from '../sim/events.ts';
import { ServerModel } from '../sim/model.ts';
import { createRandom } from '../sim/random.ts';

const [port, rate, seconds] = process.argv.slice(2).map(Number) as [number, number, number];
const rng = createRandom(7);
const models = [0, 1, 2, 3].map(
  (i) => new ServerModel(i, `sense-node-${i + 1}`, ['/'], rng, new Date(2025, 2, 10)),
);
const factory = new EventFactory(models, rng);
const pool = Array.from({ length: 5000 }, (_, i) => factory.logEvent('engine', i % models.length));

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
      process.stdout.write(
        `${JSON.stringify({ sent, errors, seconds: (performance.now() - start) / 1000 })}\n`,
      );
    }
  }, 5);
});
