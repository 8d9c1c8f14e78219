/**
 * The `Butler-SOS` settings of an agent that only runs the audit API and stores its events in
 * InfluxDB 1.x and QVD files (the pair the loss tests and the benchmark read back): nothing else
 * runs, no rate limit, the spool and the QVD files in the agent's folder.
 */
import { join } from 'node:path';

export interface AuditAgentOptions {
  /** The audit API's port (loopback). */
  port: number;
  influxUrl: string;
  /** The InfluxDB database (retention policy `audit_rp`, ten years: old test events stay). */
  db: string;
  /** The agent's folder: `spool/` and `qvd/` go there. */
  dir: string;
  apiToken: string;
  /** `queue.messageQueue.maxSize`. */
  queueSize: number;
  /** The QVD destination's `writeFrequency` (ms). */
  qvdWriteFrequency: number;
  /** `delivery` settings besides the spool folder. */
  delivery?: Record<string, unknown>;
}

export function auditAgentSettings(options: AuditAgentOptions): Record<string, unknown> {
  const url = new URL(options.influxUrl);
  return {
    logLevel: 'info',
    fileLogging: false,
    anonTelemetry: false,
    systemInfo: { enable: false },
    delivery: { spoolDirectory: join(options.dir, 'spool'), ...options.delivery },
    auditEvents: {
      enable: true,
      host: '127.0.0.1',
      port: options.port,
      apiToken: options.apiToken,
      rateLimit: { enable: false },
      queue: { messageQueue: { maxConcurrent: 10, maxSize: options.queueSize } },
      destination: {
        enable: true,
        type: 'influxdb, qvd',
        influxdb: {
          metadata: {
            host: url.hostname,
            port: Number(url.port),
            version: 1,
            v1Config: { dbName: options.db, retentionPolicy: { name: 'audit_rp', duration: '3650d' } },
          },
        },
        qvd: {
          metadata: { exportDirectory: join(options.dir, 'qvd'), writeFrequency: options.qvdWriteFrequency },
        },
      },
    },
  };
}
