/**
 * A local stand-in for PostHog's capture API, for telemetry tests. Accepts the single-event
 * endpoint (`/i/v0/e/`, `/capture/`) and the batch endpoint (`/batch/`, as posthog-node
 * sends it, gzip or plain), records every event, and can be told to fail or stall.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface CapturedEvent {
  path: string;
  apiKey: string | undefined;
  event: string;
  distinctId: string | undefined;
  properties: Record<string, unknown>;
  /** The raw request body as received (decompressed). */
  rawBody: string;
}

export interface FakePostHog {
  /** Base URL, e.g. `http://127.0.0.1:12345`. */
  readonly url: string;
  readonly events: CapturedEvent[];
  /** Number of requests received, including failed ones. */
  requests(): number;
  /** `ok` (default), an HTTP status to answer with, or `hang` to never answer. */
  setMode(mode: 'ok' | number | 'hang'): void;
  waitForEvents(count: number, timeoutMs?: number): Promise<CapturedEvent[]>;
  close(): Promise<void>;
}

export async function startFakePostHog(): Promise<FakePostHog> {
  const events: CapturedEvent[] = [];
  let requests = 0;
  let mode: 'ok' | number | 'hang' = 'ok';
  const stalled = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    requests++;
    if (mode === 'hang') {
      stalled.add(res);
      return;
    }
    if (typeof mode === 'number') {
      res.statusCode = mode;
      res.end('{"error":"configured failure"}');
      return;
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method !== 'POST' || !['/i/v0/e/', '/capture/', '/batch/'].includes(path)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    let raw: string;
    let json: Record<string, unknown>;
    try {
      raw = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
      json = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      res.statusCode = 400;
      res.end('{"error":"bad body"}');
      return;
    }
    const list = path === '/batch/' ? ((json.batch as Record<string, unknown>[] | undefined) ?? []) : [json];
    for (const item of list) {
      const properties = (item.properties as Record<string, unknown> | undefined) ?? {};
      events.push({
        path,
        apiKey: (json.api_key ?? item.api_key) as string | undefined,
        event: String(item.event),
        distinctId: (item.distinct_id ?? properties.distinct_id) as string | undefined,
        properties,
        rawBody: raw,
      });
    }
    res.setHeader('content-type', 'application/json');
    res.end('{"status":1}');
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    events,
    requests: () => requests,
    setMode(m) {
      mode = m;
    },
    async waitForEvents(count, timeoutMs = 3000) {
      const end = Date.now() + timeoutMs;
      while (events.length < count) {
        if (Date.now() > end) throw new Error(`fake PostHog: expected ${count} events, got ${events.length}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return events;
    },
    close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
