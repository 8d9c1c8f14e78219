/**
 * The `ha` section (this implementation): two agents configured alike run as a pair and the
 * stores keep each fact once. With it on, poll records are timed on the polling interval's
 * grid, UDP events take their time from the event itself (docs/scaling.md#an-ha-pair), and
 * remote write adds the replica labels that Mimir/Cortex's HA tracker and VictoriaMetrics'
 * deduplication use.
 */
import type { z } from 'zod';
import type { SettingsCheck } from '../config/kit/check.ts';
import { bool, positive, section, str } from '../config/kit/fields.ts';

export const haSchema = section(
  {
    enable: bool(
      false,
      'Run as one agent of a high-availability pair: deterministic point times, replica labels on remote write.',
    ),
    replica: str(
      '',
      "This agent's name within the pair (must differ between the two agents), e.g. its host name.",
    ),
    cluster: str('butler-sos', 'Name of the pair, the same on both agents: the value of the cluster label.'),
    clusterLabel: str('cluster', 'Remote write: name of the label that carries `cluster`.'),
    replicaLabel: str('__replica__', 'Remote write: name of the label that carries `replica`.'),
    userEventWindowMs: positive(
      1000,
      'User events carry no time of their own: with ha on, each is timed to the start of the window of this many ms it arrived in.',
    ),
  },
  'High-availability pair (this implementation).',
);

export type HaConfig = z.output<typeof haSchema>;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function checkHa(s: { ha: HaConfig }, check: SettingsCheck): void {
  if (!s.ha.enable) return;
  const because = 'ha.enable is true';
  check.requireText(['ha', 'replica'], s.ha.replica, because, "this agent's name, e.g. its host name");
  check.requireText(['ha', 'cluster'], s.ha.cluster, because, 'the name of the pair');
  for (const key of ['clusterLabel', 'replicaLabel'] as const) {
    if (!LABEL_NAME.test(s.ha[key])) {
      check.error(['ha', key], `"${s.ha[key]}" is not a Prometheus label name`, 'letters, digits and "_"');
    }
  }
  if (s.ha.clusterLabel === s.ha.replicaLabel) {
    check.error(['ha', 'replicaLabel'], `must differ from ${check.at(['ha', 'clusterLabel'])}`);
  }
}
