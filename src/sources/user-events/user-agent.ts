/**
 * User-agent parsing with ua-parser-js 1.x (MIT; docs/reference/udp-events.md#user-agent-parsing).
 * Upstream v14 used 2.x, whose names differ in one case that reaches stored data: 1.x says `Mac OS`
 * where 2.x says `macOS`; we rename it so stored tags match v14.
 *
 * Sessions from one browser repeat the same string, so results are cached (bounded).
 */
import UAParser from 'ua-parser-js';
import type { UserAgentInfo } from '../../records/user-event.ts';

const CACHE_LIMIT = 500;
const cache = new Map<string, UserAgentInfo>();

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function parseUserAgent(ua: string): UserAgentInfo {
  const hit = cache.get(ua);
  if (hit) return hit;
  const result = new UAParser(ua).getResult();
  const info: UserAgentInfo = { ua };
  const browserName = nonEmpty(result.browser.name);
  const browserMajor = nonEmpty(result.browser.major);
  let osName = nonEmpty(result.os.name);
  if (osName === 'Mac OS') osName = 'macOS';
  const osVersion = nonEmpty(result.os.version);
  if (browserName !== undefined) info.browserName = browserName;
  if (browserMajor !== undefined) info.browserMajor = browserMajor;
  if (osName !== undefined) info.osName = osName;
  if (osVersion !== undefined) info.osVersion = osVersion;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(ua, Object.freeze(info));
  return info;
}

/**
 * The user-agent part of a proxy message: the text after the first `UserAgent:` up to the
 * next `UserAgent:` (if any), trimmed, with every `'` removed. Undefined when absent.
 */
export function extractUserAgent(message: string): string | undefined {
  const start = message.indexOf('UserAgent:');
  if (start === -1) return undefined;
  const from = start + 'UserAgent:'.length;
  const next = message.indexOf('UserAgent:', from);
  const raw = (next === -1 ? message.slice(from) : message.slice(from, next)).trim();
  return raw.includes("'") ? raw.replaceAll("'", '') : raw;
}
