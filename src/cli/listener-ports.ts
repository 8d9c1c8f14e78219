/**
 * Two HTTP endpoints of the config on the same port: the second could only fail at start with
 * EADDRINUSE, so the config check names both keys instead. Port 0 (the system picks one) never
 * collides; the Node.js metrics endpoint is not started when its port is `prometheus.port`.
 */
import type { ButlerSosSettings } from '../config/schema.ts';
import { isLoopbackHost } from '../http-security/hosts.ts';

export interface Listener {
  /** Config key of the port, e.g. `webUi.port`. */
  portKey: string;
  host: string;
  port: number;
}

/** The TCP listeners the enabled features open. */
export function httpListeners(s: ButlerSosSettings): Listener[] {
  const out: Listener[] = [];
  if (s.webUi.enable) out.push({ portKey: 'webUi.port', host: s.webUi.host, port: s.webUi.port });
  else if (s.configVisualisation.enable) {
    const c = s.configVisualisation;
    out.push({ portKey: 'configVisualisation.port', host: c.host, port: c.port });
  }
  if (s.prometheus.enable) {
    const p = s.prometheus;
    out.push({ portKey: 'prometheus.port', host: p.host, port: p.port });
    if (p.nodeMetricsPort !== p.port) {
      const host = p.nodeMetricsHost.trim() === '' ? p.host : p.nodeMetricsHost;
      out.push({ portKey: 'prometheus.nodeMetricsPort', host, port: p.nodeMetricsPort });
    }
  }
  if (s.dockerHealthCheck.enable) {
    out.push({ portKey: 'dockerHealthCheck.port', host: 'localhost', port: s.dockerHealthCheck.port });
  }
  return out;
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/** True when both binds would claim the same address and port. */
function overlaps(a: Listener, b: Listener): boolean {
  if (a.port !== b.port || a.port === 0) return false;
  const ha = a.host.trim().toLowerCase();
  const hb = b.host.trim().toLowerCase();
  return ha === hb || WILDCARD.has(ha) || WILDCARD.has(hb) || (isLoopbackHost(ha) && isLoopbackHost(hb));
}

/** Each later listener that shares a port with an earlier one, with that earlier one. */
export function portCollisions(listeners: Listener[]): Array<{ first: Listener; second: Listener }> {
  const out: Array<{ first: Listener; second: Listener }> = [];
  listeners.forEach((second, i) => {
    const first = listeners.slice(0, i).find((earlier) => overlaps(earlier, second));
    if (first) out.push({ first, second });
  });
  return out;
}
