/**
 * New Relic request bodies, as the Metric, Event and Log APIs document them, split so that
 * no request exceeds the documented 1 MB (10^6 bytes) per POST.
 *
 * The size is checked on the uncompressed JSON: the gzip body is never larger, so every
 * request stays under the limit whichever way a given API counts it.
 *
 * - Metric API: `[{"common": {"timestamp", "interval.ms"?, "attributes"}, "metrics": [...]}]`;
 *   metrics sharing time, interval and attributes share one block, the shape upstream sends
 *   (docs/reference/new-relic.md#metric-api-payload), several blocks per request.
 * - Event API: an array of flat objects `{timestamp, ...attributes, eventType}` (upstream
 *   sends one object per request with `eventType` last,
 *   docs/reference/new-relic.md#event-api-payload; an array of them is the documented batch
 *   form).
 * - Log API: `[{"common": {"attributes"}, "logs": [{timestamp, message, attributes}]}]`.
 */
import type { NewRelicEvent, NewRelicLog, NewRelicMetric } from '../../mapping/shapes.ts';

/** The documented maximum payload per POST for all three APIs. */
export const MAX_PAYLOAD_BYTES = 1_000_000;

export type Attributes = Record<string, string | number | boolean>;

/** A metric as mapping produces it, optionally with the interval upstream puts in `common`. */
export type MetricInput = NewRelicMetric & { intervalMs?: number };

export interface BuiltPayloads {
  /** JSON texts, each at most `maxBytes` bytes (UTF-8). */
  bodies: string[];
  /** How many items each body carries. */
  itemCounts: number[];
  /** Items that cannot be sent: their index in the input and the reason. */
  invalid: InvalidItem[];
}

export interface InvalidItem {
  index: number;
  reason: string;
}

/** One item's JSON and its index in the input batch. */
export interface PackItem {
  index: number;
  json: string;
}

/** Items that share one `common` block (or none: header and footer empty). */
interface Group {
  header: string;
  footer: string;
  items: PackItem[];
}

/**
 * Greedy packing of groups into JSON arrays of blocks under `maxBytes`. A block is
 * `header + items.join(',') + footer`; a group too big for one body continues in a new
 * block (same header) in the next body.
 */
export function packGroups(groups: readonly Group[], maxBytes: number): BuiltPayloads {
  const bodies: string[] = [];
  const itemCounts: number[] = [];
  const invalid: InvalidItem[] = [];
  let blocks: string[] = [];
  let bodyBytes = 2; // "[" and "]"
  let bodyItems = 0;
  let current: string[] = [];
  let currentGroup: Group | undefined;

  const closeBlock = (): void => {
    if (currentGroup && current.length > 0)
      blocks.push(currentGroup.header + current.join(',') + currentGroup.footer);
    current = [];
  };
  const closeBody = (): void => {
    closeBlock();
    if (blocks.length > 0) {
      bodies.push(`[${blocks.join(',')}]`);
      itemCounts.push(bodyItems);
    }
    blocks = [];
    bodyBytes = 2;
    bodyItems = 0;
  };

  for (const group of groups) {
    closeBlock();
    currentGroup = group;
    const overhead = Buffer.byteLength(group.header) + Buffer.byteLength(group.footer);
    for (const { index, json: item } of group.items) {
      const itemBytes = Buffer.byteLength(item);
      if (2 + overhead + itemBytes > maxBytes) {
        invalid.push({
          index,
          reason: `an item of ${itemBytes} bytes exceeds the ${maxBytes}-byte payload limit`,
        });
        continue;
      }
      // Cost of adding the item: to the open block, or as the first item of a new block.
      const blockSeparator = blocks.length > 0 || current.length > 0 ? 1 : 0;
      const cost = current.length > 0 ? 1 + itemBytes : blockSeparator + overhead + itemBytes;
      if (bodyBytes + cost > maxBytes) {
        closeBody();
        current = [item];
        bodyBytes = 2 + overhead + itemBytes;
      } else {
        current.push(item);
        bodyBytes += cost;
      }
      bodyItems++;
    }
  }
  closeBody();
  return { bodies, itemCounts, invalid };
}

/**
 * A metric's value as the Metric API needs it: a finite number (booleans as 1/0,
 * docs/reference/new-relic.md#metric-api-payload).
 */
function metricValue(metric: MetricInput): number | undefined {
  const value: unknown = metric.value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

export function buildMetricPayloads(
  metrics: readonly MetricInput[],
  commonAttributes: Attributes,
  maxBytes = MAX_PAYLOAD_BYTES,
): BuiltPayloads {
  const groups = new Map<string, Group>();
  const invalid: InvalidItem[] = [];
  for (const [index, metric] of metrics.entries()) {
    if (typeof metric?.name !== 'string' || metric.name.length === 0) {
      invalid.push({ index, reason: 'a metric without a name' });
      continue;
    }
    const value = metricValue(metric);
    if (value === undefined) {
      invalid.push({ index, reason: `metric ${metric.name} has no finite numeric value` });
      continue;
    }
    const attributes = { ...metric.attributes, ...commonAttributes };
    const common: Record<string, unknown> = { timestamp: metric.timestampMs };
    if (metric.intervalMs !== undefined) common['interval.ms'] = metric.intervalMs;
    common.attributes = attributes;
    const commonJson = JSON.stringify(common);
    let group = groups.get(commonJson);
    if (!group) {
      group = { header: `{"common":${commonJson},"metrics":[`, footer: ']}', items: [] };
      groups.set(commonJson, group);
    }
    group.items.push({
      index,
      json: JSON.stringify({ name: metric.name, type: metric.type ?? 'gauge', value }),
    });
  }
  const packed = packGroups([...groups.values()], maxBytes);
  return { ...packed, invalid: [...invalid, ...packed.invalid] };
}

export function buildEventPayloads(
  events: readonly NewRelicEvent[],
  maxBytes = MAX_PAYLOAD_BYTES,
): BuiltPayloads {
  const items: PackItem[] = [];
  const invalid: InvalidItem[] = [];
  for (const [index, event] of events.entries()) {
    if (typeof event?.eventType !== 'string' || event.eventType.length === 0) {
      invalid.push({ index, reason: 'an event without an eventType' });
      continue;
    }
    const json = JSON.stringify({
      timestamp: event.timestampMs,
      ...event.attributes,
      eventType: event.eventType,
    });
    items.push({ index, json });
  }
  const packed = packGroups([{ header: '', footer: '', items }], maxBytes);
  return { ...packed, invalid: [...invalid, ...packed.invalid] };
}

export function buildLogPayloads(
  logs: readonly NewRelicLog[],
  commonAttributes: Attributes,
  maxBytes = MAX_PAYLOAD_BYTES,
): BuiltPayloads {
  const items: PackItem[] = [];
  const invalid: InvalidItem[] = [];
  for (const [index, entry] of logs.entries()) {
    if (typeof entry?.message !== 'string') {
      invalid.push({ index, reason: 'a log entry without a message' });
      continue;
    }
    const json = JSON.stringify({
      timestamp: entry.timestampMs,
      message: entry.message,
      attributes: entry.attributes,
    });
    items.push({ index, json });
  }
  const header =
    Object.keys(commonAttributes).length > 0
      ? `{"common":${JSON.stringify({ attributes: commonAttributes })},"logs":[`
      : '{"logs":[';
  const packed = packGroups([{ header, footer: ']}', items }], maxBytes);
  return { ...packed, invalid: [...invalid, ...packed.invalid] };
}
