/**
 * The JSON endpoints under /api that read the local store (charts, latest values, event
 * streams, facets) plus /api/status. Without a store they answer 404 (/api/store: null).
 *
 * Every list parameter has a limit (QUERY_LIMITS) and a request over it gets a 400 naming the
 * parameter and the limit before anything runs; the queries run in the store's worker thread
 * with a time cap, so no request can stall the agent.
 */
import type { FastifyInstance } from 'fastify';
import type { LocalStoreStats } from '../destinations/local-store/local-store.ts';
import { type AsyncStoreReader, QUERY_LIMITS } from '../destinations/local-store/queries.ts';
import { maskSecrets } from './mask-secrets.ts';
import { buildOverview } from './overview.ts';
import {
  BadRequest,
  limitedList,
  numberParam,
  one,
  type Query,
  required,
  tagFilters,
  textParam,
} from './query-params.ts';
import type { WebStatus } from './status.ts';

/** What the web UI needs of the local store: its off-thread reader and its statistics. */
export interface WebStore {
  reader(): AsyncStoreReader;
  stats(): LocalStoreStats;
}

export function registerApiRoutes(
  app: FastifyInstance,
  store: WebStore | undefined,
  getStatus: () => WebStatus,
): void {
  // Called where each handler needs the store, after the parameters it checks first.
  const needStore: NeedStore = () => {
    if (!store) throw Object.assign(new Error('the local store is not enabled'), { statusCode: 404 });
    return store.reader();
  };

  app.get('/api/status', async () => maskSecrets(getStatus()));
  app.get('/api/overview', async (request) =>
    maskSecrets(await overview(request.query as Query, needStore, getStatus)),
  );
  app.get('/api/series', async (request) => series(request.query as Query, needStore));
  app.get('/api/latest', async (request) => latest(request.query as Query, needStore));
  app.get('/api/events', async (request) => maskSecrets(await events(request.query as Query, needStore)));
  app.get('/api/facets', async (request) => {
    const q = request.query as Query;
    const measurement = required(q, 'measurement');
    const tags = limitedList(required(q, 'tags'), 'tags', QUERY_LIMITS.facetTags);
    return needStore().facets({ measurement, tags });
  });
  app.get('/api/store', async () => (store ? store.stats() : null));
}

type NeedStore = () => AsyncStoreReader;

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
  const groupBy = limitedList(one(q, 'groupBy'), 'groupBy', QUERY_LIMITS.groupBy);
  const measurement = required(q, 'measurement');
  const fields = limitedList(required(q, 'field'), 'field', QUERY_LIMITS.fields);
  return needStore().series({
    measurement,
    fields,
    sinceMs: numberParam(q, 'since', untilMs - 3_600_000),
    untilMs,
    maxPoints: numberParam(q, 'maxPoints', 600),
    ...(groupBy.length > 0 ? { groupBy } : {}),
  });
}

function latest(q: Query, needStore: NeedStore) {
  const groupBy = limitedList(one(q, 'groupBy'), 'groupBy', QUERY_LIMITS.groupBy);
  const measurement = required(q, 'measurement');
  return needStore().latest({
    measurement,
    sinceMs: numberParam(q, 'since', 0),
    ...(groupBy.length > 0 ? { groupBy } : {}),
  });
}

function events(q: Query, needStore: NeedStore) {
  const textFields = limitedList(one(q, 'textFields'), 'textFields', QUERY_LIMITS.textFields);
  const measurement = required(q, 'measurement');
  const query = {
    measurement,
    limit: numberParam(q, 'limit', 200),
    afterId: numberParam(q, 'afterId', 0),
    sinceMs: numberParam(q, 'since', 0),
    tags: tagFilters(q, QUERY_LIMITS.tagFilters, QUERY_LIMITS.tagFilterValues),
    text: textParam(q, 'text', QUERY_LIMITS.textChars),
    ...(textFields.length > 0 ? { textFields } : {}),
  };
  return needStore().events(query);
}
