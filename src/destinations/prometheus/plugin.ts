/** Prometheus (`prometheus`): the `/metrics` endpoint upstream Butler SOS serves, plus the agent's own metrics. */
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'prometheus',
  enabled: (settings) => settings.prometheus.enable,
  async create(context) {
    return (await import('./destination.ts')).createPrometheusDestination(context);
  },
} satisfies DestinationPlugin;
