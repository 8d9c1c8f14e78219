/**
 * New Relic as a destination. Each data kind names its own list of accounts
 * (docs/reference/new-relic.md#accounts-and-credentials), so each account gets its own sink
 * and two queues, one per API (Metric and Event): one account refusing data never holds up
 * or miscounts another.
 */
import { lifecycle } from '../../components/component.ts';
import type { Destination, DestinationContext, DestinationQueue } from '../../components/destination.ts';
import { engineHealthToNewRelic } from '../../mapping/engine-health.ts';
import { logEventToNewRelic } from '../../mapping/log-event.ts';
import { proxySessionsToNewRelic } from '../../mapping/proxy-sessions.ts';
import type { NewRelicEvent, NewRelicMetric } from '../../mapping/shapes.ts';
import { uptimeToNewRelic } from '../../mapping/uptime.ts';
import { userEventToNewRelic } from '../../mapping/user-event.ts';
import { forKind, type PerKind, type RecordKind } from '../../records/record.ts';
import { resolveAccounts } from './credentials.ts';
import { createNewRelicSink, type NewRelicSink } from './newrelic-sink.ts';

interface AccountQueues {
  sink: NewRelicSink;
  metrics: DestinationQueue<NewRelicMetric>;
  events: DestinationQueue<NewRelicEvent>;
}

export function createNewRelicDestination(context: DestinationContext): Destination {
  const accounts = accountQueues(context);
  const deliveries = newRelicDeliveries(context, accounts);
  const all = [...accounts.values()];
  const life = lifecycle('New Relic', {
    start: () => undefined,
    async stop(deadlineMs) {
      await Promise.all(
        all.flatMap(({ metrics, events }) => [metrics.close(deadlineMs), events.close(deadlineMs)]),
      );
      await Promise.allSettled(all.map(({ sink }) => sink.close()));
    },
  });
  return {
    ...life,
    accepts: new Set(Object.keys(deliveries) as RecordKind[]),
    deliver: (record) => forKind(deliveries, record),
    queues: () => all.flatMap(({ metrics, events }) => [metrics.status(), events.status()]),
  };
}

/** One sink and one queue per API for every configured account. */
function accountQueues({ settings: s, log, createQueue }: DestinationContext): Map<string, AccountQueues> {
  const nr = s.newRelic;
  const accounts = new Map<string, AccountQueues>();
  for (const credential of s.thirdPartyToolsCredentials.newRelic) {
    const sink = createNewRelicSink({
      accounts: [
        {
          name: credential.accountName,
          insertApiKey: credential.insertApiKey,
          accountId: credential.accountId,
        },
      ],
      metricUrl: nr.metric.url,
      eventUrl: nr.event.url,
      metricHeaders: nr.metric.header,
      eventHeaders: nr.event.header,
      log,
    });
    const name = `New Relic account ${credential.accountName}`;
    accounts.set(credential.accountName, {
      sink,
      metrics: createQueue(`${name} metrics`, { write: (b, signal) => sink.writeMetrics(b, signal) }, 1000),
      events: createQueue(`${name} events`, { write: (b, signal) => sink.writeEvents(b, signal) }, 1000),
    });
  }
  return accounts;
}

/** The Metric API's `interval.ms`: how often these gauges are sampled. */
function withInterval(metrics: NewRelicMetric[], intervalMs: number): NewRelicMetric[] {
  for (const metric of metrics) metric.intervalMs = intervalMs;
  return metrics;
}

/** What each accepted kind becomes and which accounts' queues take it. */
function newRelicDeliveries(
  context: DestinationContext,
  accounts: Map<string, AccountQueues>,
): PerKind<void> {
  const { settings: s, log, version } = context;
  const nr = s.newRelic;
  // Resolved once, so an unknown account name is logged once.
  const pick = (names: readonly string[]) =>
    resolveAccounts(names, s.thirdPartyToolsCredentials.newRelic, log).flatMap((account) => {
      const queues = accounts.get(account.name);
      return queues ? [queues] : [];
    });
  const deliveries: PerKind<void> = {};
  if (nr.enable) {
    // Health and session metrics fall back to the user events' accounts (upstream behaviour).
    const metricAccounts = pick(
      nr.metric.destinationAccount.length > 0
        ? nr.metric.destinationAccount
        : s.userEvents.sendToNewRelic.destinationAccount,
    );
    const metricConfig = { newRelic: nr, butlerSosVersion: version };
    if (metricAccounts.length > 0) {
      deliveries['engine-health'] = (r) => {
        const metrics = withInterval(
          engineHealthToNewRelic(r, metricConfig),
          s.serversToMonitor.pollingInterval,
        );
        for (const account of metricAccounts) account.metrics.enqueueMany(metrics);
      };
      deliveries['proxy-sessions'] = (r) => {
        const metrics = withInterval(
          proxySessionsToNewRelic(r, metricConfig),
          s.userSessions.pollingInterval,
        );
        for (const account of metricAccounts) account.metrics.enqueueMany(metrics);
      };
    }
  }
  addEventDeliveries(context, pick, deliveries);
  addUptimeDelivery(context, pick, deliveries);
  return deliveries;
}

type Pick = (names: readonly string[]) => AccountQueues[];

function addEventDeliveries(
  { settings: s, version }: DestinationContext,
  pick: Pick,
  deliveries: PerKind<void>,
) {
  if (!s.newRelic.enable) return;
  const userAccounts = s.userEvents.sendToNewRelic.enable
    ? pick(s.userEvents.sendToNewRelic.destinationAccount)
    : [];
  if (userAccounts.length > 0) {
    const config = {
      sendToMQTT: s.userEvents.sendToMQTT,
      sendToNewRelic: s.userEvents.sendToNewRelic,
      tags: s.userEvents.tags,
    };
    deliveries['user-event'] = (r) => {
      const event = userEventToNewRelic(r, config);
      for (const account of userAccounts) account.events.enqueue(event);
    };
  }
  const logAccounts = s.logEvents.sendToNewRelic.enable
    ? pick(s.logEvents.sendToNewRelic.destinationAccount)
    : [];
  if (logAccounts.length > 0) {
    const config = {
      sendToNewRelic: s.logEvents.sendToNewRelic,
      tags: s.logEvents.tags,
      staticAttributes: s.newRelic.event.attribute.static,
      butlerSosVersion: s.newRelic.event.attribute.dynamic.butlerSosVersion.enable ? version : undefined,
    };
    deliveries['log-event'] = (r) => {
      const event = logEventToNewRelic(r, config);
      if (event) for (const account of logAccounts) account.events.enqueue(event);
    };
  }
}

function addUptimeDelivery(
  { settings: s, version }: DestinationContext,
  pick: Pick,
  deliveries: PerKind<void>,
) {
  const nr = s.uptimeMonitor.storeNewRelic;
  if (!s.uptimeMonitor.enable || !nr.enable) return;
  const uptimeAccounts = pick(nr.destinationAccount);
  if (uptimeAccounts.length === 0) return;
  const options = {
    staticAttributes: nr.attribute.static,
    includeVersion: nr.attribute.dynamic.butlerVersion.enable,
    version,
    memoryUsage: nr.metric.dynamic.butlerMemoryUsage.enable,
    uptime: nr.metric.dynamic.butlerUptime.enable,
  };
  deliveries.uptime = (r) => {
    const payload = uptimeToNewRelic(r, options);
    // Each metric carries the block's attributes and the schedule's interval.
    const metrics = payload.metrics.map((m) => ({
      ...m,
      attributes: { ...payload.attributes, ...m.attributes },
      intervalMs: payload.intervalMs,
    }));
    for (const account of uptimeAccounts) account.metrics.enqueueMany(metrics);
  };
}
