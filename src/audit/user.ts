/**
 * The user of an audit event, from `payload.context.user` (docs/reference/audit-api.md#users):
 * `UserDirectory=LAB; UserId=anna` and `LAB; UserId=anna` (Sense's own forms), `LAB\anna`, or
 * anything else (an e-mail address, a plain name), which is kept as the user only.
 */
import type { AuditUser } from '../records/audit-event.ts';

export function parseAuditUser(raw: unknown): AuditUser {
  if (typeof raw !== 'string') return {};
  const user = raw.trim();
  if (user === '') return {};
  if (user.toLowerCase() === 'n/a') return { user };
  if (user.includes(';')) return { user, ...fromKeyValueParts(user) };
  const slash = user.indexOf('\\');
  if (slash >= 0) {
    const userDirectory = user.slice(0, slash).trim();
    const userId = user.slice(slash + 1).trim();
    return { user, ...(userDirectory ? { userDirectory } : {}), ...(userId ? { userId } : {}) };
  }
  return { user };
}

function fromKeyValueParts(user: string): { userDirectory?: string; userId?: string } {
  let userDirectory: string | undefined;
  let userId: string | undefined;
  for (const part of user.split(';').map((p) => p.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      userDirectory ??= part;
      continue;
    }
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key === 'userdirectory') userDirectory = value;
    else if (key === 'userid') userId = value;
  }
  return { ...(userDirectory ? { userDirectory } : {}), ...(userId ? { userId } : {}) };
}
