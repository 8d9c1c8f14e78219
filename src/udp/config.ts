/**
 * From upstream's `{logEvents,userEvents}.udpServerConfig` section to listener options, so
 * the wiring reads the config keys in one place. v14 keys plus v15's optional
 * `enableSourceValidation`/`allowedSources`, and one optional key of ours:
 * `receiveBufferBytes` (SO_RCVBUF to ask for).
 */
import type { UdpListenerOptions } from './listener.ts';

/** Upstream's `udpServerConfig` (both ports; the port key differs). */
export interface UdpServerConfig {
  serverHost: string;
  portLogEvents?: number;
  portUserActivityEvents?: number;
  messageQueue?: { maxConcurrent?: number; maxSize?: number; backpressureThreshold?: number } | null;
  rateLimit?: { enable?: boolean; maxMessagesPerMinute?: number } | null;
  maxMessageSize?: number | null;
  enableSourceValidation?: boolean;
  allowedSources?: string[] | null;
  /** Ours: receive buffer to request (bytes). */
  receiveBufferBytes?: number;
}

/**
 * 32 MiB: at 25 000 events/s of ~500 bytes a stall of one second (GC, a slow disk) needs
 * ~12 MB of kernel buffer. The kernel grants at most net.core.rmem_max; the listener
 * reports what it got.
 */
export const DEFAULT_RECEIVE_BUFFER_BYTES = 32 * 1024 * 1024;

export function udpListenerOptions(
  kind: 'log_events' | 'user_events',
  cfg: UdpServerConfig,
): Omit<UdpListenerOptions, 'onDatagram' | 'log'> {
  const port = kind === 'log_events' ? (cfg.portLogEvents ?? 9996) : (cfg.portUserActivityEvents ?? 9997);
  return {
    name: kind,
    host: cfg.serverHost,
    port,
    receiveBufferBytes: cfg.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES,
    maxMessageSize: cfg.maxMessageSize ?? null,
    allowedSources: cfg.enableSourceValidation ? (cfg.allowedSources ?? []) : null,
    rateLimit: cfg.rateLimit?.enable
      ? { enable: true, maxMessagesPerMinute: cfg.rateLimit.maxMessagesPerMinute ?? 600 }
      : null,
    queue: {
      maxConcurrent: cfg.messageQueue?.maxConcurrent ?? 10,
      maxSize: cfg.messageQueue?.maxSize ?? 200,
      backpressureThreshold: cfg.messageQueue?.backpressureThreshold ?? 80,
    },
  };
}
