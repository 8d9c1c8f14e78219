/**
 * Screenshot downloads for `screenshot.url.received` events (docs/audit-events.md#screenshots),
 * run in the event's handler before the destinations get it, so its record carries the saved
 * paths. Only URLs on the allow-list are fetched (fail closed: an empty list blocks all); up
 * to 3 attempts (500 ms, then 1000 ms apart); auth `none`, `qpsTicket` (a fixed user) or
 * `userTicket` (the event's user) through the proxy's ticket API, with the optional session
 * cache. The image is written to every enabled storage target as
 * `<ts>_<eventId>_<correlationId>.<ext>`. Every outcome is counted; a failure never fails
 * the event, which is stored without paths.
 */
import { eventFileBase } from '../../../audit/event-fields.ts';
import type { AuditEnvelope, AuditUser } from '../../../records/audit-event.ts';
import { AddressPolicy, type LookupFunction } from './address-policy.ts';
import { type AuthenticatedFetchOptions, createAuthenticatedFetch } from './authenticated-fetch.ts';
import type { FetchOutcome } from './fetch-image.ts';
import { metadataImage } from './metadata-image.ts';
import { refusal, storeImage } from './screenshot-files.ts';

/** Downloads the screenshot of a `screenshot.url.received` event; the paths written, if any. */
export type ScreenshotDownload = (envelope: AuditEnvelope, user: AuditUser) => Promise<string[] | undefined>;

export interface DownloaderOptions extends AuthenticatedFetchOptions {
  /** DNS lookup (tests resolve names to chosen addresses). */
  lookup?: LookupFunction;
  /** Delay between attempts (tests shorten it). */
  retryDelaysMs?: readonly number[];
}

type ImageOutcome = Extract<FetchOutcome, { kind: 'image' }>;

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

function extensionOf(contentType: string | undefined, url: URL): string {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type && EXTENSIONS[type]) return EXTENSIONS[type]!;
  const ext = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  if (ext === 'jpeg') return 'jpg';
  return ext && ['png', 'jpg', 'webp', 'gif'].includes(ext) ? ext : 'bin';
}

/** A URL as it may appear in a log line: no query (it may hold a ticket). */
const forLog = (url: URL) => `${url.origin}${url.pathname}`;

export interface ScreenshotDownloader {
  download: ScreenshotDownload;
  stats(): Record<string, number>;
  /** Ends the cached Sense sessions (waiting up to 2 s) and closes the connections. */
  close(): Promise<void>;
}

export function createScreenshotDownloader(options: DownloaderOptions): ScreenshotDownloader {
  const { config, log } = options;
  const policy = new AddressPolicy(config.allowedImageDownloadHosts, options.lookup);
  const counts: Record<string, number> = {};
  const count = (outcome: string) => {
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  };
  const delays = options.retryDelaysMs ?? [500, 1000];
  const timeoutMs = config.downloadTimeoutMs > 0 ? config.downloadTimeoutMs : 15_000;
  const sessions = createAuthenticatedFetch(options, policy, timeoutMs);

  async function fetchWithRetries(
    url: URL,
    envelope: AuditEnvelope,
    user: AuditUser,
  ): Promise<ImageOutcome | undefined> {
    for (let n = 0; n <= delays.length; n++) {
      if (n > 0) await new Promise((r) => setTimeout(r, delays[n - 1]));
      let result: Awaited<ReturnType<typeof sessions.attempt>>;
      try {
        result = await sessions.attempt(url, user);
      } catch (error) {
        log.warn(
          `AUDIT API: Screenshot ticket request failed eventId=${envelope.eventId}: ${(error as Error).message}`,
        );
        count('ticket_failed');
        continue;
      }
      if ('stop' in result) {
        log.warn(`AUDIT API: Screenshot download blocked — ${result.stop} eventId=${envelope.eventId}`);
        count('blocked');
        return undefined;
      }
      sessions.settle(result);
      const { outcome } = result;
      if (outcome.kind === 'image') return outcome;
      if (result.cached && (outcome.status === 401 || outcome.status === 403)) {
        sessions.evict(result.cacheKey!);
        continue;
      }
      if (outcome.kind === 'refused') {
        log.warn(
          `AUDIT API: Screenshot download refused — ${outcome.reason} url=${forLog(url)} eventId=${envelope.eventId}`,
        );
        count(outcome.counter);
        return undefined;
      }
      log.verbose(`AUDIT API: Screenshot download attempt ${n + 1} failed: ${outcome.reason}`);
    }
    log.warn(
      `AUDIT API: Screenshot download abandoned after ${delays.length + 1} attempts url=${forLog(url)} eventId=${envelope.eventId}`,
    );
    count('failed');
    return undefined;
  }

  async function download(envelope: AuditEnvelope, user: AuditUser): Promise<string[] | undefined> {
    const checked = refusal(envelope, policy, config);
    if ('reason' in checked) {
      log.warn(`AUDIT API: Screenshot download blocked — ${checked.reason} eventId=${envelope.eventId}`);
      count('blocked');
      return undefined;
    }
    const image = await fetchWithRetries(checked.url, envelope, user);
    if (!image) return undefined;
    const ext = extensionOf(image.contentType, checked.url);
    const base = eventFileBase({ envelope });
    const extra =
      ext === 'png' ? metadataImage(image.body, envelope, user, config.addInImageMetadata, log) : undefined;
    const paths = await storeImage(config.storageTargets, { base, ext, body: image.body, extra }, log);
    count(paths.length > 0 ? 'downloaded' : 'write_failed');
    return paths;
  }

  return {
    download,
    stats: () => ({ ...counts }),
    close: () => sessions.close(),
  };
}
