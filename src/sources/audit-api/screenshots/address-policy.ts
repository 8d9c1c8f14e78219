/**
 * Where a screenshot may be downloaded from (docs/audit-events.md#screenshots): a URL whose
 * host name, lower-cased, is in the allow-list (exact match, no wildcards, port not
 * considered) and whose scheme is http or https; every redirect hop checked again.
 *
 * Beyond upstream, the addresses a host name resolves to are checked when connecting (so a
 * DNS answer cannot swap an allowed name for an internal address): link-local addresses
 * (169.254.0.0/16 with the cloud metadata service, fe80::/10), unspecified, multicast and
 * broadcast addresses are never contacted, and loopback only when the allow-list names a
 * loopback host itself (`localhost`, `127.0.0.1`, `::1`). Private ranges (10/8, 172.16/12,
 * 192.168/16) stay allowed, since that is where Sense servers live.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

export type LookupFunction = typeof dnsLookup;

function ipv4Parts(address: string): number[] | undefined {
  const parts = address.split('.').map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255)
    ? parts
    : undefined;
}

/** Why an address must not be contacted (undefined when it may). */
export function blockedAddressClass(address: string, loopbackAllowed: boolean): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const v4 = ipv4Parts(mapped ?? address);
  if (v4) {
    const [a, b] = v4 as [number, number];
    if (a === 169 && b === 254) return 'link-local';
    if (a === 0) return 'unspecified';
    if (a >= 224) return a === 255 ? 'broadcast' : 'multicast';
    if (a === 127 && !loopbackAllowed) return 'loopback';
    return undefined;
  }
  const v6 = address.toLowerCase();
  if (v6 === '::') return 'unspecified';
  if (v6 === '::1') return loopbackAllowed ? undefined : 'loopback';
  if (/^fe[89ab]/.test(v6)) return 'link-local';
  if (v6.startsWith('ff')) return 'multicast';
  return undefined;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

export class AddressPolicy {
  readonly #hosts: Set<string>;
  readonly #loopbackAllowed: boolean;
  readonly #lookup: LookupFunction;

  constructor(allowedHosts: readonly string[], lookup: LookupFunction = dnsLookup) {
    this.#hosts = new Set(allowedHosts.map((h) => h.toLowerCase()));
    this.#loopbackAllowed = allowedHosts.some(isLoopbackHost);
    this.#lookup = lookup;
  }

  get empty(): boolean {
    return this.#hosts.size === 0;
  }

  /** Why `url` may not be fetched (undefined when it may). */
  refusal(url: URL): string | undefined {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return `scheme ${url.protocol} is not http or https`;
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (!this.#hosts.has(host)) return `host ${host} is not in allowedImageDownloadHosts`;
    // An address written in the URL is never looked up: check it here.
    const blocked = isIP(host) ? blockedAddressClass(host, this.#loopbackAllowed) : undefined;
    return blocked ? `${host} is a ${blocked} address` : undefined;
  }

  /** A `lookup` for http(s).request that refuses addresses of the blocked classes. */
  readonly lookup = ((hostname: string, options: unknown, callback: unknown) => {
    const done = (typeof options === 'function' ? options : callback) as (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
    this.#lookup(hostname, { all: true }, (error, addresses) => {
      if (error) return done(error, []);
      const list = addresses as LookupAddress[];
      for (const entry of list) {
        const blocked = blockedAddressClass(entry.address, this.#loopbackAllowed);
        if (blocked) {
          const refused = Object.assign(
            new Error(`${hostname} resolves to ${entry.address}, a ${blocked} address`),
            {
              code: 'EADDRBLOCKED',
            },
          );
          return done(refused, []);
        }
      }
      if (opts.all) return done(null, list);
      return done(null, list[0]!.address, list[0]!.family);
    });
  }) as unknown as LookupFunction;
}
