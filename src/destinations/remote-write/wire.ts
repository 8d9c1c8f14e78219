/**
 * Prometheus remote write 1.0 on the wire: a `WriteRequest` protobuf message
 * (prompb/remote.proto, prompb/types.proto), compressed with Snappy's block format.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   // ms since the epoch
 *
 * The protobuf writer comes from @bufbuild/protobuf and Snappy from snappyjs (pure
 * JavaScript, so the bundle and the single executable need no native add-on).
 */
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import snappy from 'snappyjs';

/** A sample value as the queue and the spool hold it: non-finite values are named, since JSON has none. */
export type SampleValue = number | 'NaN' | '+Inf' | '-Inf' | 'stale';

/** One series of a request: its labels, sorted by name with `__name__` among them, and its samples in time order. */
export interface WireSeries {
  labels: readonly (readonly [string, string])[];
  samples: readonly { value: SampleValue; timeMs: number }[];
}

/**
 * Prometheus' staleness marker: a NaN with this exact bit pattern tells the receiver the
 * series ended (a server stopped answering), instead of it lingering for five minutes.
 */
const STALE_NAN_BITS = 0x7ff0000000000002n;

export function encodeWriteRequest(series: readonly WireSeries[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const one of series) {
    writer.tag(1, WireType.LengthDelimited).fork();
    for (const [name, value] of one.labels) {
      writer.tag(1, WireType.LengthDelimited).fork();
      writer.tag(1, WireType.LengthDelimited).string(name);
      writer.tag(2, WireType.LengthDelimited).string(value);
      writer.join();
    }
    for (const sample of one.samples) {
      writer.tag(2, WireType.LengthDelimited).fork();
      writer.tag(1, WireType.Bit64);
      // The marker is written as raw bits: a NaN passed through a double may lose its payload.
      if (sample.value === 'stale') writer.fixed64(STALE_NAN_BITS);
      else writer.double(numberOf(sample.value));
      writer.tag(2, WireType.Varint).int64(Math.round(sample.timeMs));
      writer.join();
    }
    writer.join();
  }
  return writer.finish();
}

function numberOf(value: Exclude<SampleValue, 'stale'>): number {
  if (value === 'NaN') return Number.NaN;
  if (value === '+Inf') return Number.POSITIVE_INFINITY;
  if (value === '-Inf') return Number.NEGATIVE_INFINITY;
  return value;
}

/** A number as the spool can keep it (JSON turns NaN and infinities into null). */
export function sampleValueOf(value: number): SampleValue {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** The request body: the encoded message, Snappy block-compressed. */
export function compressBody(message: Uint8Array): Buffer {
  return snappy.compress(Buffer.from(message.buffer, message.byteOffset, message.byteLength));
}
