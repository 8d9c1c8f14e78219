/**
 * The Qlik Sense simulator as a library: several Sense nodes, each with an engine
 * healthcheck (4747) and a proxy session API (4243) per virtual proxy, one QRS (4242) for
 * the cluster, all over mutual TLS with certificates in the QMC export layout, plus a UDP
 * emitter of log and user events. Used by `butler-sos sim`, the demo and the tests.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { type AuditClient, type AuditTarget, startAuditClient } from './audit-client.ts';
import { type SenseContent, startSenseContent } from './audit-content.ts';
import { type CertificatePaths, ensureCertificates } from './certs.ts';
import { type Emitter, startEmitter, type UdpTarget, validateRate } from './emitter.ts';
import { EventFactory } from './events.ts';
import { type FailureMode, HttpsEndpoint, type TlsMaterial } from './https-endpoint.ts';
import { ServerModel } from './model.ts';
import { createRandom } from './random.ts';
import { engineHandler, proxyHandler, qrsHandler } from './sense-api.ts';

export { createForeignClientCertificate, writeEncryptedClientKey } from './certs.ts';
export type { FailureMode } from './https-endpoint.ts';
export { configSnippet } from './snippet.ts';

export interface SimulatorOptions {
  /** Folder holding (or receiving) root.pem, client.pem, client_key.pem and the simulator's own keys. */
  certDir: string;
  /** Number of Sense nodes; default 1. */
  servers?: number;
  /** Config-style virtual proxy prefixes; `/` is the default virtual proxy. Default `['/', '/hdr']`. */
  virtualProxies?: string[];
  /** 0 = OS-chosen port on 127.0.0.1; otherwise node i listens on 127.0.0.(i+1). Default 4747. */
  enginePort?: number;
  /** As enginePort; default 4243. */
  proxyPort?: number;
  /** QRS port on 127.0.0.1 (0 = OS-chosen); default 4242. */
  qrsPort?: number;
  udpLog?: UdpTarget;
  udpUser?: UdpTarget;
  /** Events per second in total over both UDP targets; 0 (default) = only on request. */
  rate?: number;
  /**
   * Fraction (0..1) of datagrams that are malformed
   * (docs/reference/udp-events.md#edge-cases-and-bad-input); default 0.
   */
  badFraction?: number;
  /** Seed for reproducible values in tests. */
  seed?: number;
  /**
   * The Sense content server for Audit.qs screenshots (QPS ticket API and tempcontent images,
   * HTTPS on `port`; `httpPort` adds a twin without authentication). Absent: not started.
   */
  auditContent?: { port?: number; httpPort?: number };
}

export interface SimulatedServer {
  serverName: string;
  hostName: string;
  /** `host:port` of the engine, as config `serversToMonitor.servers[].host` wants it. */
  engineHost: string;
  /** `host:port` of the proxy API, as `servers[].userSessions.host` wants it. */
  proxyHost: string;
  virtualProxies: string[];
  apps: { id: string; name: string }[];
  /**
   * Makes this node's engine and proxy fail: 'refuse' (listener closed), 'timeout' (never
   * answers), 'http500', 'badjson' (truncated body with status 200); null restores service.
   * The returned promise resolves once the change is in effect; it never rejects.
   */
  setFailure(mode: FailureMode): Promise<void>;
  /** The last error met while re-opening a listener, if any. */
  lastError: string | null;
}

export interface RunningSimulator {
  servers: SimulatedServer[];
  /** `host:port` of the QRS. */
  qrsHost: string;
  certFiles: { clientCert: string; clientCertKey: string; clientCertCA: string };
  /** All certificate paths, including the CA key and the simulator's server certificate. */
  certificates: CertificatePaths;
  emitter: {
    sendLogEvents(n: number): Promise<void>;
    sendUserEvents(n: number): Promise<void>;
    stats(): Record<string, number>;
  };
  /** As SimulatedServer.setFailure, for the QRS. */
  setQrsFailure(mode: FailureMode): Promise<void>;
  /** The Sense content server for screenshots, when `auditContent` was given. */
  auditContent: SenseContent | undefined;
  /**
   * Starts a simulated Audit.qs extension posting audit events of this cluster's users and
   * apps to `target` at `rate` per second (stopped with the simulator).
   */
  startAuditClient(target: AuditTarget, rate: number): AuditClient;
  stop(): Promise<void>;
}

const DEFAULT_VIRTUAL_PROXIES = ['/', '/hdr'];

function checkPort(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name} must be a port number 0-65535, got ${value}`);
  }
  return value;
}

function checkVirtualProxies(list: string[]): string[] {
  if (list.length === 0) throw new Error('virtualProxies must list at least one virtual proxy');
  for (const vp of list) {
    if (vp !== '/' && !/^\/[A-Za-z0-9._~-]+$/.test(vp)) {
      throw new Error(`virtual proxy "${vp}" must be "/" or "/<prefix>" (one path segment)`);
    }
  }
  if (new Set(list.map((v) => v.toLowerCase())).size !== list.length) {
    throw new Error('virtualProxies contains duplicates');
  }
  return list;
}

/** Node i listens on 127.0.0.(i+1) when the port is fixed, so every node has its own host:port. */
function addressFor(index: number, port: number): string {
  return port === 0 ? '127.0.0.1' : `127.0.0.${index + 1}`;
}

export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const count = opts.servers ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 250) {
    throw new Error(`servers must be a whole number 1-250, got ${count}`);
  }
  const enginePort = checkPort('enginePort', opts.enginePort ?? 4747);
  const proxyPort = checkPort('proxyPort', opts.proxyPort ?? 4243);
  const qrsPort = checkPort('qrsPort', opts.qrsPort ?? 4242);
  const virtualProxies = checkVirtualProxies(opts.virtualProxies ?? DEFAULT_VIRTUAL_PROXIES);
  const rate = opts.rate ?? 0;
  const badFraction = opts.badFraction ?? 0;
  validateRate(rate, badFraction);
  for (const [name, target] of [
    ['udpLog', opts.udpLog],
    ['udpUser', opts.udpUser],
  ] as const) {
    if (target && (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535)) {
      throw new Error(`${name}.port must be a port number 1-65535, got ${target.port}`);
    }
  }

  const hostNames = Array.from({ length: count }, (_, i) => `sense-node-${i + 1}`);
  const addresses = new Set<string>(['127.0.0.1']);
  for (let i = 0; i < count; i++) {
    addresses.add(addressFor(i, enginePort));
    addresses.add(addressFor(i, proxyPort));
  }
  const certificates = await ensureCertificates(opts.certDir, {
    dnsNames: [...hostNames, hostname()],
    ipAddresses: [...addresses],
  });
  const tls: TlsMaterial = {
    key: await readFile(certificates.serverKey, 'utf8'),
    cert: await readFile(certificates.serverCert, 'utf8'),
    ca: await readFile(certificates.clientCertCA, 'utf8'),
  };

  const rng = createRandom(opts.seed);
  const now = Date.now();
  const models = hostNames.map((name, i) => {
    // Engines were started some days ago; keep milliseconds at zero as Sense's services do.
    const started = new Date(Math.floor((now - rng.int(1, 30 * 24) * 3600_000) / 1000) * 1000);
    return new ServerModel(i, name, virtualProxies, rng, started);
  });

  const nodes = models.map((model, i) => ({
    model,
    engine: new HttpsEndpoint(addressFor(i, enginePort), enginePort, tls, engineHandler(model)),
    proxy: new HttpsEndpoint(addressFor(i, proxyPort), proxyPort, tls, proxyHandler(model)),
  }));
  const qrs = new HttpsEndpoint('127.0.0.1', qrsPort, tls, qrsHandler(models));
  const endpoints = [...nodes.flatMap((n) => [n.engine, n.proxy]), qrs];

  let emitter: Emitter | null = null;
  let auditContent: SenseContent | undefined;
  const auditClients: AuditClient[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(auditClients.map((c) => c.stop()));
    await emitter?.stop();
    await auditContent?.close();
    await Promise.all(endpoints.map((e) => e.close()));
  };
  try {
    await Promise.all(endpoints.map((e) => e.open()));
    if (opts.auditContent) auditContent = await startSenseContent({ tls, ...opts.auditContent });
    emitter = await startEmitter(
      {
        udpLog: opts.udpLog,
        udpUser: opts.udpUser,
        rate,
        badFraction,
        sourceAddresses: enginePort === 0 ? undefined : nodes.map((n) => n.engine.host),
      },
      new EventFactory(models, rng),
      rng,
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
  const running = emitter;

  const servers: SimulatedServer[] = nodes.map(({ model, engine, proxy }) => {
    const server: SimulatedServer = {
      serverName: model.hostName,
      hostName: model.hostName,
      engineHost: engine.address,
      proxyHost: proxy.address,
      virtualProxies: [...virtualProxies],
      apps: model.apps.map((a) => ({ id: a.id, name: a.name })),
      lastError: null,
      async setFailure(mode) {
        try {
          await Promise.all([engine.setFailure(mode), proxy.setFailure(mode)]);
        } catch (err) {
          server.lastError = (err as Error).message;
        }
      },
    };
    return server;
  });

  let stopped = false;
  return {
    servers,
    qrsHost: qrs.address,
    certFiles: {
      clientCert: certificates.clientCert,
      clientCertKey: certificates.clientCertKey,
      clientCertCA: certificates.clientCertCA,
    },
    certificates,
    emitter: {
      sendLogEvents: (n) => running.sendLogEvents(n),
      sendUserEvents: (n) => running.sendUserEvents(n),
      stats: () => running.stats(),
    },
    async setQrsFailure(mode) {
      try {
        await qrs.setFailure(mode);
      } catch {
        // re-listening failed (port taken meanwhile); the QRS stays unreachable
      }
    },
    auditContent,
    startAuditClient(target, rate) {
      const client = startAuditClient(
        {
          target,
          rate,
          users: models.flatMap((m) => m.users),
          apps: models.flatMap((m) => m.apps.map((a) => ({ id: a.id, name: a.name }))),
          ...(auditContent?.httpOrigin ? { screenshotOrigin: auditContent.httpOrigin } : {}),
        },
        rng,
      );
      auditClients.push(client);
      return client;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
}
