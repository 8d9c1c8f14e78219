/**
 * Proxy session list → ProxySessionsRecord (docs/reference/sense-apis.md#proxy-session-derived-values).
 * Missing `UserDirectory`/`UserId`/`SessionId` become empty strings (upstream wrote the
 * text `undefined`).
 */
import type { ProxySessionDetail, ProxySessionsRecord } from '../../records/proxy-sessions.ts';
import type { ServerIdentity } from '../../records/server.ts';

export interface ExcludedUser {
  directory: string;
  userId: string;
}

export type SessionsParseResult = { ok: true; record: ProxySessionsRecord } | { ok: false; message: string };

const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);

export function parseSessionsBody(
  body: unknown,
  context: {
    server: ServerIdentity;
    virtualProxy: string;
    userSessionHost: string;
    excludeUser: readonly ExcludedUser[] | null | undefined;
    timeMs: number;
  },
): SessionsParseResult {
  if (!Array.isArray(body)) return { ok: false, message: 'proxy session response is not a JSON array' };
  const excluded = new Set((context.excludeUser ?? []).map((u) => `${u.directory}\u0000${u.userId}`));
  const unique = new Set<string>();
  const sessions: ProxySessionDetail[] = [];
  for (const item of body) {
    const s = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const userDirectory = text(s.UserDirectory);
    const userId = text(s.UserId);
    unique.add(`${userDirectory}\\${userId}`);
    if (excluded.has(`${userDirectory}\u0000${userId}`)) continue;
    sessions.push({ sessionId: text(s.SessionId), userDirectory, userId });
  }
  return {
    ok: true,
    record: {
      kind: 'proxy-sessions',
      timeMs: context.timeMs,
      server: context.server,
      virtualProxy: context.virtualProxy,
      userSessionHost: context.userSessionHost,
      sessionCount: body.length,
      uniqueUsers: [...unique],
      sessions,
      raw: body,
    },
  };
}
