/**
 * One successful proxy-session poll of one (server, virtual proxy)
 * (docs/reference/sense-apis.md#proxy-session-derived-values, docs/reference/runtime.md#user-sessions).
 */
import type { ServerIdentity } from './server.ts';

export interface ProxySessionDetail {
  sessionId: string;
  userDirectory: string;
  userId: string;
}

export interface ProxySessionsRecord {
  kind: 'proxy-sessions';
  timeMs: number;
  server: ServerIdentity;
  /** The virtual proxy exactly as configured (tag value), e.g. `/` or `/hdr`. */
  virtualProxy: string;
  /** `servers[].userSessions.host` including the port. */
  userSessionHost: string;
  /** All sessions returned (excluded users included). */
  sessionCount: number;
  /** Distinct `UserDirectory\UserId` in first-seen order (excluded users included). */
  uniqueUsers: readonly string[];
  /** One entry per session whose user is not in `userSessions.excludeUser`. */
  sessions: readonly ProxySessionDetail[];
  /** The response array as received (unfiltered), for MQTT's raw republication. */
  raw: readonly unknown[];
}
