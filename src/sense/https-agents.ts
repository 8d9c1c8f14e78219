/**
 * The Sense client's connection pools: one keep-alive node:https Agent per (trust mode,
 * verification flag), holding connections and TLS sessions (per host:port, so a reconnect
 * resumes with a cheap handshake) across polls. An agent is replaced when the certificate
 * material it was built from changes (rotation), and each counts the TLS connections it
 * opened and how many resumed a session.
 */
import type { AgentOptions, Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import type { TLSSocket } from 'node:tls';
import type { CertificateMaterial } from './certificates.ts';

// Required, not imported: see src/http/client.ts (an ESM import of node:http's namespace
// loads Node's internal undici).
const https = createRequire(import.meta.url)('node:https') as typeof import('node:https');

/** Connections an agent opened, and how many resumed a TLS session. */
interface CountingAgent {
  agent: HttpsAgent;
  connections: number;
  resumed: number;
}

/** An https.Agent that counts its TLS connections and session resumptions. */
function countingAgent(options: AgentOptions): CountingAgent {
  const counted: CountingAgent = { agent: new https.Agent(options), connections: 0, resumed: 0 };
  const agent = counted.agent as HttpsAgent & {
    createConnection(options: object, callback?: unknown): TLSSocket;
  };
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (connectOptions, callback) => {
    const socket = create(connectOptions, callback);
    counted.connections++;
    socket.setNoDelay(true);
    socket.once('secureConnect', () => {
      if (socket.isSessionReused()) counted.resumed++;
    });
    return socket;
  };
  return counted;
}

export class AgentPool {
  /** Agents created since start (a rotation creates a new one). */
  created = 0;
  /** Active agents by key, with the certificate generation they were built for. */
  readonly #agents = new Map<string, { generation: number; counted: CountingAgent }>();
  /** Connection counts of agents already replaced. */
  readonly #retired = { connections: 0, resumed: 0 };

  /** The agent for `key`, built anew when the material's generation changed. */
  agentFor(key: string, material: CertificateMaterial, rejectUnauthorized: boolean): HttpsAgent {
    const current = this.#agents.get(key);
    if (current && current.generation === material.generation) return current.counted.agent;
    const counted = countingAgent({
      keepAlive: true,
      // Idle connections are kept between polls (when the server allows it) for a minute.
      timeout: 60_000,
      secureContext: material.secureContext,
      rejectUnauthorized,
      // One TLS session per host:port (engine and proxy ports of one server differ).
      maxCachedSessions: 4096,
    });
    this.#agents.set(key, { generation: material.generation, counted });
    this.created++;
    // Certificates were rotated: requests in flight on the old agent finish, then its idle
    // connections are closed.
    if (current) {
      this.#retired.connections += current.counted.connections;
      this.#retired.resumed += current.counted.resumed;
      current.counted.agent.destroy();
    }
    return counted.agent;
  }

  /** TLS connections opened by every agent so far, and how many resumed a session. */
  tlsCounts(): { connections: number; resumed: number } {
    let { connections, resumed } = this.#retired;
    for (const { counted } of this.#agents.values()) {
      connections += counted.connections;
      resumed += counted.resumed;
    }
    return { connections, resumed };
  }

  /** Takes every agent out of the pool; the caller destroys them when it is done waiting. */
  detachAll(): HttpsAgent[] {
    const all = [...this.#agents.values()].map(({ counted }) => counted.agent);
    this.#agents.clear();
    return all;
  }
}
