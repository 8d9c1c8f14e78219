/**
 * The audit API source (`auditEvents`): Audit.qs posts audit events to its HTTP(S) server;
 * each valid one is written to the journal (fsynced) before it is answered 202, waits in the
 * work queue for its handler (screenshot download), and is emitted as an `audit-event` record
 * carrying a receipt. The journal forgets the event once every audit destination that took
 * the record has stored it; what is left at a crash is handled again at the next start.
 *
 * Stop: the server closes first (nothing new), the queue finishes what it holds, the audit
 * destinations are asked to write what they buffer (so a clean stop leaves nothing to replay),
 * then the journal closes.
 */

import { recentAuditEvents } from '../../audit/recent-events.ts';
import { lifecycle } from '../../components/component.ts';
import type { MetricSample } from '../../components/metrics.ts';
import type { Source, SourceContext } from '../../components/source.ts';
import { resolveConfiguredPath } from '../../config/kit/paths.ts';
import type { Logger } from '../../logging/logger.ts';
import { type AuditEnvelope, type AuditReceipt, withReceipt } from '../../records/audit-event.ts';
import { ANSWERS, type Answer } from './answers.ts';
import type { AuditEventsConfig } from './config.ts';
import { handleAuditEvent } from './handlers.ts';
import { AuditJournal } from './journal.ts';
import { auditMetrics } from './metrics.ts';
import type { ScreenshotDownloader } from './screenshots/downloader.ts';
import { type AuditServer, startAuditServer } from './server.ts';
import { AuditWorkQueue } from './work-queue.ts';

/** Backlog entries read from the journal at a time. */
const REPLAY_CHUNK = 100;

export function createAuditApiSource(context: SourceContext): Source {
  const { settings, log } = context;
  const config = settings.auditEvents as AuditEventsConfig;
  const queue = new AuditWorkQueue({ ...config.queue.messageQueue, rateLimit: config.queue.rateLimit, log });
  const flushers = new Set<() => Promise<void>>();
  const counts = { accepted: 0, notStored: 0, handled: 0 };
  let journal: AuditJournal | undefined;
  let server: AuditServer | undefined;
  let screenshots: ScreenshotDownloader | undefined;
  let metricsTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  /** Handles one event and hands its record to the destinations; settles it in the journal when stored. */
  async function process(position: number, envelope: AuditEnvelope, receivedAtMs: number): Promise<void> {
    const settle = () => journal?.settle(position);
    let record: Awaited<ReturnType<typeof handleAuditEvent>>;
    try {
      record = await handleAuditEvent(envelope, receivedAtMs, {
        log,
        ...(screenshots ? { downloadScreenshot: screenshots.download } : {}),
      });
    } catch (error) {
      settle();
      throw new Error(`eventId=${envelope.eventId}: ${(error as Error).message}`, { cause: error });
    }
    const { receipt, emitted } = receiptFor(flushers, settle);
    context.emit(withReceipt(record, receipt));
    counts.handled++;
    recentAuditEvents.add(record);
    emitted();
  }

  async function accept(envelope: AuditEnvelope): Promise<Answer> {
    const admission = queue.admit();
    if (admission === 'rate_limited') {
      log.warn(`AUDIT API: Dropped audit event due to queue rate limit eventId=${envelope.eventId}`);
      return ANSWERS.queueRateLimited;
    }
    if (admission === 'full') {
      log.warn(`AUDIT API: Dropped audit event due to full queue eventId=${envelope.eventId}`);
      return ANSWERS.queueFull;
    }
    const receivedAtMs = Date.now();
    const position = await journal?.append(JSON.stringify({ receivedAtMs, envelope }));
    if (position === undefined) {
      queue.cancel();
      counts.notStored++;
      return ANSWERS.notStored;
    }
    counts.accepted++;
    queue.enqueue(() => process(position, envelope, receivedAtMs));
    return ANSWERS.accepted;
  }

  const life = lifecycle('Audit events API', {
    async start() {
      journal = await AuditJournal.open({
        directory: resolveConfiguredPath(settings.delivery.spoolDirectory),
        maxBytes: settings.delivery.spoolMaxMB * 1024 * 1024,
        log,
      });
      screenshots = await startScreenshots(settings, config, log);
      server = await startAuditServer({ config, log, accept });
      const replay = { maxSize: config.queue.messageQueue.maxSize, stopping: () => stopping, log };
      replayBacklog(journal, queue, replay, process).catch((error: Error) =>
        log.error(`AUDIT API: replaying the journal failed: ${error.message}`),
      );
      startQueueMetrics();
    },
    async stop(deadlineMs) {
      stopping = true;
      if (metricsTimer) clearInterval(metricsTimer);
      await server?.close();
      const until = Date.now() + deadlineMs / 2;
      await within(queue.idle(), until - Date.now());
      await within(Promise.allSettled([...flushers].map((flush) => flush())), until - Date.now());
      await screenshots?.close();
      await journal?.close();
    },
  });

  function startQueueMetrics(): void {
    const m = config.queue.queueMetrics.influxdb;
    if (!m.enable || !settings.influxdbConfig.enable) return;
    metricsTimer = setInterval(() => context.emit(queue.sample(context.hostname)), m.writeFrequency);
  }

  return {
    ...life,
    metrics: (): MetricSample[] =>
      auditMetrics({
        requests: server?.counters,
        counts,
        queue: { waiting: queue.waiting, running: queue.running },
        journal: journal?.stats(),
        screenshots: screenshots?.stats(),
      }),
  };
}

/** Hands the previous run's unsettled events to the queue, as fast as the queue takes them. */
async function replayBacklog(
  j: AuditJournal | undefined,
  queue: AuditWorkQueue,
  options: { maxSize: number; stopping: () => boolean; log: Logger },
  handle: (position: number, envelope: AuditEnvelope, receivedAtMs: number) => Promise<void>,
): Promise<void> {
  if (!j || j.backlogLeft === 0) return;
  const { log } = options;
  log.info(`AUDIT API: ${j.backlogLeft} audit event(s) accepted before the last stop are handled again`);
  while (!options.stopping() && j.backlogLeft > 0) {
    if (queue.waiting >= options.maxSize / 2) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    for (const { position, text } of await j.readBacklog(REPLAY_CHUNK)) {
      const entry = parseEntry(text);
      if (!entry) {
        log.error(`AUDIT API: journal entry ${position} cannot be read; skipped`);
        j.settle(position);
        continue;
      }
      queue.enqueue(() => handle(position, entry.envelope, entry.receivedAtMs), false);
    }
  }
}

/**
 * A receipt for one record: each destination that takes it holds it until stored; `settle`
 * runs once every hold is released after the record was emitted (`emitted()`).
 */
function receiptFor(
  flushers: Set<() => Promise<void>>,
  settle: () => void,
): { receipt: AuditReceipt; emitted(): void } {
  let holds = 0;
  let wasEmitted = false;
  const receipt: AuditReceipt = {
    hold(flush) {
      holds++;
      flushers.add(flush);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--holds === 0 && wasEmitted) settle();
      };
    },
  };
  return {
    receipt,
    emitted() {
      wasEmitted = true;
      if (holds === 0) settle();
    },
  };
}

/** The screenshot downloader, loaded only when screenshots are on. */
async function startScreenshots(
  settings: SourceContext['settings'],
  config: AuditEventsConfig,
  log: Logger,
): Promise<ScreenshotDownloader | undefined> {
  const shots = config.destination.screenshots;
  if (!shots?.enable) return undefined;
  const { createScreenshotDownloader } = await import('./screenshots/downloader.ts');
  return createScreenshotDownloader({
    config: shots,
    cert: settings.cert,
    serversToMonitor: settings.serversToMonitor,
    log,
  });
}

function parseEntry(text: string): { receivedAtMs: number; envelope: AuditEnvelope } | undefined {
  try {
    const entry = JSON.parse(text) as { receivedAtMs: number; envelope: AuditEnvelope };
    return typeof entry.receivedAtMs === 'number' && entry.envelope ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for `work`, at most `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  clearTimeout(timer);
}
