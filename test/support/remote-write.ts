/**
 * Reading remote-write requests, for tests: the body decompressed (Snappy) and decoded
 * (WriteRequest protobuf) strictly, so a malformed request fails the test instead of being
 * read leniently. Also a recording proxy that keeps every request it forwards to a real
 * receiver, so a test can compare what the agent SENT with what the receiver HOLDS.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import snappy from 'snappyjs';

export interface DecodedSample {
  value: number;
  /** The raw bits of the value (staleness markers are one NaN pattern). */
  bits: bigint;
  timeMs: number;
}

export interface DecodedSeries {
  labels: Record<string, string>;
  /** Label names in the order they were sent. */
  order: string[];
  samples: DecodedSample[];
}

export const STALE_BITS = 0x7ff0000000000002n;

export function decodeWriteRequest(body: Buffer): DecodedSeries[] {
  const message = snappy.uncompress(new Uint8Array(body));
  const reader = new BinaryReader(message);
  const out: DecodedSeries[] = [];
  while (reader.pos < reader.len) {
    const [field, type] = reader.tag();
    if (field !== 1 || type !== WireType.LengthDelimited)
      throw new Error(`WriteRequest: unexpected field ${field}`);
    out.push(decodeSeries(reader.bytes()));
  }
  return out;
}

function decodeSeries(bytes: Uint8Array): DecodedSeries {
  const reader = new BinaryReader(bytes);
  const series: DecodedSeries = { labels: {}, order: [], samples: [] };
  while (reader.pos < reader.len) {
    const [field, type] = reader.tag();
    if (type !== WireType.LengthDelimited)
      throw new Error(`TimeSeries: field ${field} has wire type ${type}`);
    if (field === 1) {
      const label = new BinaryReader(reader.bytes());
      let name = '';
      let value = '';
      while (label.pos < label.len) {
        const [f] = label.tag();
        if (f === 1) name = label.string();
        else if (f === 2) value = label.string();
        else throw new Error(`Label: unexpected field ${f}`);
      }
      series.labels[name] = value;
      series.order.push(name);
    } else if (field === 2) {
      const sample = new BinaryReader(reader.bytes());
      let bits = 0n;
      let timeMs = 0;
      while (sample.pos < sample.len) {
        const [f] = sample.tag();
        if (f === 1) bits = BigInt(sample.fixed64());
        else if (f === 2) timeMs = Number(sample.int64());
        else throw new Error(`Sample: unexpected field ${f}`);
      }
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, bits);
      series.samples.push({ value: view.getFloat64(0), bits, timeMs });
    } else throw new Error(`TimeSeries: unexpected field ${field}`);
  }
  return series;
}

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  series: DecodedSeries[];
  /** The status the proxy answered (the receiver's). */
  status: number;
}

export interface RecordingProxy {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** A loopback HTTP server that decodes each request, forwards it to `target` and answers what the target answered. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const series = decodeWriteRequest(body);
    let status = 502;
    let text = '';
    try {
      const answer = await fetch(target, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
        },
      });
      status = answer.status;
      text = await answer.text();
    } catch (error) {
      text = String(error);
    }
    requests.push({ headers: request.headers, series, status });
    response.writeHead(status).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/write`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
