/**
 * The in-memory app-name table (docs/reference/sense-apis.md#app-name-table): replaced atomically after a
 * successful extraction, kept as is after a failure (empty until the first success).
 */
import type { AppNameEntry, AppNameLookup } from '../../records/app-names.ts';

export class AppNameTable implements AppNameLookup {
  #byId = new Map<string, AppNameEntry>();
  #loadedAtMs = 0;

  nameOf(id: string): string | undefined {
    return this.#byId.get(id)?.name;
  }

  get size(): number {
    return this.#byId.size;
  }

  get loadedAtMs(): number {
    return this.#loadedAtMs;
  }

  entries(): AppNameEntry[] {
    return [...this.#byId.values()];
  }

  /** Replaces the whole table. Duplicate ids: the first one wins (as upstream's find()). */
  replace(apps: readonly AppNameEntry[], nowMs = Date.now()): void {
    const next = new Map<string, AppNameEntry>();
    for (const app of apps) if (!next.has(app.id)) next.set(app.id, app);
    this.#byId = next;
    this.#loadedAtMs = nowMs;
  }
}

/**
 * QRS app list → entries. Not an array → undefined (the extraction fails, the previous
 * list stays). Elements without a string `id` are kept out: they could never match.
 */
export function parseAppList(body: unknown): AppNameEntry[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const apps: AppNameEntry[] = [];
  for (const item of body) {
    if (typeof item !== 'object' || item === null) continue;
    const { id, name, description } = item as Record<string, unknown>;
    if (typeof id !== 'string') continue;
    apps.push({
      id,
      name: typeof name === 'string' ? name : String(name ?? ''),
      ...(typeof description === 'string' ? { description } : {}),
    });
  }
  return apps;
}
