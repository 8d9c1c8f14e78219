/**
 * The New Relic sink's settings, checked once at creation: accounts (id and key), the API
 * URLs and the configured headers. Errors name the setting, never a key or a header value.
 */
import type { Logger } from '../../logging/logger.ts';
import type { NewRelicAccount, NewRelicApi, NewRelicHeader, NewRelicSinkOptions } from './newrelic-sink.ts';

/** An account whose id is checked to be digits. */
export interface CheckedAccount extends NewRelicAccount {
  accountId: string;
}

/** Headers the sink sets itself; config headers with these names are ignored. */
const RESERVED_HEADERS = new Set([
  'api-key',
  'x-insert-key',
  'x-license-key',
  'content-type',
  'content-encoding',
  'content-length',
  'host',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface Endpoints {
  accounts: CheckedAccount[];
  /** The URL an API's posts for an account go to; undefined: the log API is not configured. */
  urlFor(api: NewRelicApi, accountId: string): URL | undefined;
  /** The config headers sent with an API's posts. */
  headersFor(api: NewRelicApi): readonly [string, string][];
  /** Keys and header values: what must never appear in a message. */
  secrets(): string[];
}

export function checkedEndpoints(options: NewRelicSinkOptions): Endpoints {
  const accounts = options.accounts.map(checkedAccount);
  const metricUrl = parseUrl(options.metricUrl, 'newRelic.metric.url');
  const eventBase = parseUrl(options.eventUrl, 'newRelic.event.url');
  const eventBaseHref = eventBase.href.endsWith('/') ? eventBase.href : `${eventBase.href}/`;
  const logUrl = options.logUrl ? parseUrl(options.logUrl, 'log URL') : undefined;
  const metricHeaders = checkedHeaders(options.metricHeaders, 'newRelic.metric.header', options.log);
  const eventHeaders = checkedHeaders(options.eventHeaders, 'newRelic.event.header', options.log);
  return {
    accounts,
    urlFor(api, accountId) {
      if (api === 'metric') return metricUrl;
      if (api === 'event') return new URL(`v1/accounts/${accountId}/events`, eventBaseHref);
      return logUrl;
    },
    // The Log API takes the metric headers (upstream has no log header setting).
    headersFor: (api) => (api === 'event' ? eventHeaders : metricHeaders),
    secrets: () => [
      ...accounts.map((a) => a.insertApiKey),
      ...metricHeaders.map(([, v]) => v),
      ...eventHeaders.map(([, v]) => v),
    ],
  };
}

/** A URL for messages: no user info, no query (either could hold a secret). */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function checkedAccount(account: NewRelicAccount): CheckedAccount {
  const accountId = String(account?.accountId ?? '');
  if (!/^\d+$/.test(accountId))
    throw new Error(`New Relic: account "${account?.name}" has an invalid accountId`);
  if (typeof account.insertApiKey !== 'string' || account.insertApiKey.length === 0) {
    throw new Error(`New Relic: account "${account.name}" has no insertApiKey`);
  }
  if (/[\r\n\0]/.test(account.insertApiKey))
    throw new Error(`New Relic: account "${account.name}" has an invalid insertApiKey`);
  return { ...account, accountId };
}

function parseUrl(value: string, key: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`New Relic: ${key} is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`New Relic: ${key} must be an http(s) URL`);
  return url;
}

function checkedHeaders(
  headers: readonly NewRelicHeader[] | null | undefined,
  key: string,
  log: Logger,
): [string, string][] {
  const result: [string, string][] = [];
  for (const header of headers ?? []) {
    const name = String(header?.name ?? '');
    if (!HEADER_NAME.test(name))
      throw new Error(`New Relic: ${key} has an invalid header name ${JSON.stringify(name)}`);
    const value = String(header.value ?? '');
    if (/[\r\n\0]/.test(value))
      throw new Error(`New Relic: ${key} header "${name}" has a value with a line break or NUL`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      log.warn(`New Relic: ${key} header "${name}" is ignored: the sink sets it itself`);
      continue;
    }
    result.push([name, value]);
  }
  return result;
}
