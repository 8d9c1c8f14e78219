/**
 * The v15 allow-list of UDP senders (`allowedSources`), resolved once at start: IPv4
 * literals as they are, host names through their DNS A records.
 */
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import type { Logger } from '../logging/logger.ts';

/** A resolver that never answers must not hold up start-up. */
const LOOKUP_TIMEOUT_MS = 5000;

/**
 * The addresses to accept, or undefined to accept every sender: when there is no list, and
 * (as upstream, with a warning) when no entry resolved.
 */
export async function allowListOf(
  entries: readonly string[] | null | undefined,
  log: Logger,
): Promise<Set<string> | undefined> {
  if (entries == null) return undefined;
  const allowed = await resolveAllowedSources(entries, log);
  if (allowed.size === 0) {
    log.warn(
      'UDP source validation is on but no allowed source resolved; accepting every sender (as upstream)',
    );
    return undefined;
  }
  log.info('UDP source validation active', { allowed: [...allowed] });
  return allowed;
}

async function resolveAllowedSources(entries: readonly string[], log: Logger): Promise<Set<string>> {
  const allowed = new Set<string>();
  await Promise.all(
    entries.map(async (entry) => {
      const name = String(entry).trim();
      if (isIPv4(name)) {
        allowed.add(name);
        return;
      }
      try {
        for (const address of await lookupWithTimeout(name)) allowed.add(address);
      } catch (err) {
        log.error(`UDP allowed source '${name}' could not be resolved; skipped`, {
          error: (err as Error).message,
        });
      }
    }),
  );
  return allowed;
}

async function lookupWithTimeout(name: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('DNS lookup timed out after 5 s')), LOOKUP_TIMEOUT_MS);
  });
  try {
    const addresses = await Promise.race([lookup(name, { family: 4, all: true }), timeout]);
    return addresses.map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
}
