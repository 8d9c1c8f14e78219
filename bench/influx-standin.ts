/**
 * A stand-in for InfluxDB 1.x that accepts every write and discards it: the agent's own cost
 * can then be measured without InfluxDB's CPU in the way (bench/agent-cost.ts). It answers
 * what the InfluxDB destination asks for: `/ping`, `SHOW DATABASES` (the database is
 * listed, so nothing is created), and `/write` with 204 after reading the whole body. It
 * counts lines and bytes written, so a bench can wait for every event to arrive.
 *
 * It can also stop answering (`hang(true)`): requests are read and then left open, as a
 * destination that accepts connections but never replies (the agent's timeout must end them).
 *
 * Runs in the bench process or on its own (`node bench/influx-standin.ts PORT`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InfluxStandIn {
  port: number;
  /** The bodies written so far, when started with `capture` (else empty). */
  captured(): Buffer[];
  url: string;
  /** Lines received by /write (each a point). */
  lines(): number;
  bytes(): number;
  writes(): number;
  /** true: requests get no answer until hang(false) (they are then answered 503). */
  hang(on: boolean): void;
  close(): Promise<void>;
}

const NEWLINE = 0x0a;

export async function startInfluxStandIn(options: {
  database: string;
  port?: number;
  /** Keep every written body (bench/influx-alone.ts replays them into a real InfluxDB). */
  capture?: boolean;
}): Promise<InfluxStandIn> {
  const captured: Buffer[] = [];
  let lines = 0;
  let bytes = 0;
  let writes = 0;
  let hanging = false;
  const held = new Set<ServerResponse>();
  const databases = JSON.stringify({
    results: [
      {
        statement_id: 0,
        series: [{ name: 'databases', columns: ['name'], values: [[options.database]] }],
      },
    ],
  });

  const onWrite = (req: IncomingMessage, res: ServerResponse) => {
    let last = -1;
    let any = false;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      any = true;
      if (options.capture) chunks.push(chunk);
      bytes += chunk.length;
      for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) lines++;
      last = chunk[chunk.length - 1] ?? -1;
    });
    req.on('end', () => {
      // The last line of a body has no newline after it.
      if (any && last !== NEWLINE) lines++;
      if (options.capture) captured.push(Buffer.concat(chunks));
      writes++;
      res.writeHead(204).end();
    });
  };

  const server = createServer((req, res) => {
    if (hanging) {
      req.resume();
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (path === '/write') return onWrite(req, res);
    req.resume();
    if (path === '/ping') res.writeHead(204).end();
    else if (path === '/query') res.writeHead(200, { 'content-type': 'application/json' }).end(databases);
    else res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    captured: () => captured,
    lines: () => lines,
    bytes: () => bytes,
    writes: () => writes,
    hang(on) {
      hanging = on;
      if (!on) {
        for (const res of held) res.writeHead(503).end();
        held.clear();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.main) {
  const standIn = await startInfluxStandIn({ database: 'bench', port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`${JSON.stringify({ port: standIn.port })}\n`);
}
