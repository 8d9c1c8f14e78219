/**
 * Which addresses are loopback, and which Host headers a server accepts.
 *
 * The Host allow-list is the defence against DNS rebinding: a web page the operator visits
 * points its own name at 127.0.0.1 and then reads the agent's endpoints as if they were its own
 * origin. The browser still sends the attacker's name in Host, so refusing names that are not
 * ours stops it. IP literals are always accepted (a page served from an IP address is that
 * address's own origin, nothing rebinds), as are `localhost` names and this machine's host name.
 *
 * A server bound beyond loopback is reachable by anyone on the network anyway, and scrapers
 * reach it through whatever DNS names point at it; there the list applies only once
 * `httpSecurity.allowedHosts` names some (authentication is the control there).
 */

import { isIP } from 'node:net';
import { hostname } from 'node:os';

/** 127.0.0.0/8, ::1 and `localhost`: an address no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/** The name in a Host header, without port, brackets or trailing dot, lower-cased. */
export function hostName(header: string): string {
  let h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end === -1 ? h.slice(1) : h.slice(1, end);
  } else {
    const colon = h.lastIndexOf(':');
    // One colon is a port; several without brackets is a bare IPv6 address.
    if (colon !== -1 && h.indexOf(':') === colon) h = h.slice(0, colon);
  }
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** A function telling whether a request's Host header is acceptable for a server bound to `bindHost`. */
export function hostCheck(
  bindHost: string,
  allowedHosts: readonly string[],
): (header: string | undefined) => boolean {
  const allowed = new Set(allowedHosts.map((h) => hostName(h)));
  if (allowed.has('*')) return () => true;
  if (!isLoopbackHost(bindHost) && allowed.size === 0) return () => true;
  const machine = hostname().toLowerCase();
  allowed.add(machine);
  allowed.add(machine.split('.')[0] ?? machine);
  return (header) => {
    // HTTP/1.0 clients may send none; a browser always does.
    if (header === undefined || header === '') return true;
    const name = hostName(header);
    return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || allowed.has(name);
  };
}
