/**
 * What the two UDP event sources (log events on 9996, user events on 9997) share: a UDP
 * listener in front of the source's handler, the listening line operators look for, the queue
 * metrics sampled on their schedule as `udp-queue` records, and the intake figures for
 * /metrics.
 */
import { lifecycle } from '../components/component.ts';
import type { Source, SourceContext } from '../components/source.ts';
import type { UdpQueueType } from '../records/udp-queue.ts';
import type { UdpServerConfig } from './config.ts';
import type { UdpEventHandler } from './event-handler.ts';
import { startUdpListener, type UdpListener } from './listener.ts';
import { udpListenerOptions } from './listener-options.ts';
import { udpStatsToProm } from './metrics.ts';
import { type Periodic, startQueueMetricsReporter } from './periodic.ts';

export interface UdpEventSourceOptions {
  queueType: UdpQueueType;
  /** The start of the listening line, as upstream logs it (`LOG EVENT`, `USER EVENT`). */
  logPrefix: string;
  config: UdpServerConfig;
  /** The section's port key (`portLogEvents`, `portUserActivityEvents`). */
  port: number;
  /** Builds the handler on start (the user-agent parser, for one, is only loaded then). */
  createHandler(): Promise<UdpEventHandler<string>> | UdpEventHandler<string>;
}

export function udpEventSource(context: SourceContext, options: UdpEventSourceOptions): Source {
  const { log } = context;
  let listener: UdpListener | undefined;
  let handler: UdpEventHandler<string> | undefined;
  let reporter: Periodic | undefined;
  const life = lifecycle(`UDP ${options.queueType}`, {
    async start() {
      handler = await options.createHandler();
      listener = await startUdpListener({
        ...udpListenerOptions(options.queueType, options.port, options.config),
        onDatagram: handler.handle,
        log,
      });
      const { address, port } = listener.address();
      log.info(`${options.logPrefix}: UDP server listening on ${address}:${port}`);
      if (options.config.queueMetrics.influxdb.enable) {
        reporter = startQueueMetrics(context, options, listener);
      }
    },
    async stop() {
      reporter?.stop();
      await listener?.close();
    },
  });
  return {
    ...life,
    metrics: () =>
      listener && handler ? udpStatsToProm(listener.stats(), options.queueType, handler.stats()) : [],
  };
}

/** Samples the listener's queue on its schedule; its counters restart after each sample is handed on. */
function startQueueMetrics(context: SourceContext, options: UdpEventSourceOptions, listener: UdpListener) {
  return startQueueMetricsReporter({
    listener,
    intervalMs: options.config.queueMetrics.influxdb.writeFrequency,
    async write(queue, window) {
      context.emit({
        kind: 'udp-queue',
        timeMs: Date.now(),
        queueType: options.queueType,
        hostname: context.hostname,
        queue,
        window,
      });
    },
    log: context.log,
  });
}
