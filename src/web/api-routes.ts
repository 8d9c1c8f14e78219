/**
 * The JSON endpoints under /api that read the local store (charts, latest values, event
 * streams, facets) plus /api/status. Without a store they answer 404 (/api/store: null).
 */
import type { FastifyInstance } from 'fastify';
import type { LocalStoreStats } from '../destinations/local-store/local-store.ts';
import type { StoreReader } from '../destinations/local-store/queries.ts';
import { maskSecrets } from './mask-secrets.ts';
import { buildOverview } from './overview.ts';
import { BadRequest, list, numberParam, one, type Query, required, tagFilters } from './query-params.ts';
import type { WebStatus } from './status.ts';

export type WebStore = StoreReader & { stats(): LocalStoreStats };

export function registerApiRoutes(
  app: FastifyInstance,
  store: WebStore | undefined,
  getStatus: () => WebStatus,
): void {
  // Called where each handler needs the store, after the parameters it checks first.
  const needStore: NeedStore = () => {
    if (!store) throw Object.assign(new Error('the local store is not enabled'), { statusCode: 404 });
    return store;
  };

  app.get('/api/status', async () => maskSecrets(getStatus()));
  app.get('/api/overview', async (request) =>
    maskSecrets(overview(request.query as Query, needStore, getStatus)),
  );
  app.get('/api/series', async (request) => series(request.query as Query, needStore));
  app.get('/api/latest', async (request) => latest(request.query as Query, needStore));
  app.get('/api/events', async (request) => maskSecrets(events(request.query as Query, needStore)));
  app.get('/api/facets', async (request) => {
    const q = request.query as Query;
    return needStore().facets({ measurement: required(q, 'measurement'), tags: list(required(q, 'tags')) });
  });
  app.get('/api/store', async () => (store ? store.stats() : null));
}

type NeedStore = () => WebStore;

function overview(q: Query, needStore: NeedStore, getStatus: () => WebStatus) {
  const untilMs = Date.now();
  const minutes = numberParam(q, 'minutes', 180);
  if (minutes <= 0 || minutes > 31 * 24 * 60) throw new BadRequest('minutes must be between 1 and 44640');
  return buildOverview(needStore(), getStatus(), {
    sinceMs: untilMs - minutes * 60_000,
    untilMs,
    maxPoints: numberParam(q, 'maxPoints', 600),
  });
}

function series(q: Query, needStore: NeedStore) {
  const untilMs = numberParam(q, 'until', Date.now());
  const groupBy = list(one(q, 'groupBy'));
  return needStore().series({
    measurement: required(q, 'measurement'),
    fields: list(required(q, 'field')),
    sinceMs: numberParam(q, 'since', untilMs - 3_600_000),
    untilMs,
    maxPoints: numberParam(q, 'maxPoints', 600),
    ...(groupBy.length > 0 ? { groupBy } : {}),
  });
}

function latest(q: Query, needStore: NeedStore) {
  const groupBy = list(one(q, 'groupBy'));
  return needStore().latest({
    measurement: required(q, 'measurement'),
    sinceMs: numberParam(q, 'since', 0),
    ...(groupBy.length > 0 ? { groupBy } : {}),
  });
}

function events(q: Query, needStore: NeedStore) {
  const textFields = list(one(q, 'textFields'));
  return needStore().events({
    measurement: required(q, 'measurement'),
    limit: numberParam(q, 'limit', 200),
    afterId: numberParam(q, 'afterId', 0),
    sinceMs: numberParam(q, 'since', 0),
    tags: tagFilters(q),
    text: one(q, 'text') ?? '',
    ...(textFields.length > 0 ? { textFields } : {}),
  });
}
