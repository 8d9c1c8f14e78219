/** From an event section's `udpServerConfig` (defaults filled by its schema) to listener options. */
import type { UdpServerConfig } from './config.ts';
import type { UdpListenerOptions } from './listener.ts';

export function udpListenerOptions(
  name: 'log_events' | 'user_events',
  port: number,
  cfg: UdpServerConfig,
): Omit<UdpListenerOptions, 'onDatagram' | 'log'> {
  return {
    name,
    host: cfg.serverHost,
    port,
    receiveBufferBytes: cfg.receiveBufferBytes,
    maxMessageSize: cfg.maxMessageSize,
    allowedSources: cfg.enableSourceValidation ? cfg.allowedSources : null,
    rateLimit: cfg.rateLimit.enable
      ? { enable: true, maxMessagesPerMinute: cfg.rateLimit.maxMessagesPerMinute }
      : null,
    queue: { ...cfg.messageQueue },
  };
}
