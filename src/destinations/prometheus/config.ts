/** The Prometheus endpoint's section, with the Node.js process metrics endpoint upstream runs beside it. */
import type { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import { bool, port, section, str } from '../../config/kit/fields.ts';

export const prometheusSchema = section(
  {
    enable: bool(false, 'Expose /metrics for Prometheus.'),
    host: str('0.0.0.0', 'Bind address.'),
    port: port(9842, 'Port.'),
    nodeMetricsHost: str(
      '',
      '[main] Bind address of the Node.js process metrics endpoint; empty: the same as host (upstream: 0.0.0.0).',
    ),
    nodeMetricsPort: port(9001, '[main] Port of the Node.js process metrics endpoint.'),
  },
  'Prometheus endpoint.',
);

export type PrometheusConfig = z.output<typeof prometheusSchema>;

export function checkPrometheus(s: { prometheus: PrometheusConfig }, check: SettingsCheck): void {
  if (!s.prometheus.enable) return;
  const because = 'prometheus.enable is true';
  check.requireHost(['prometheus', 'host'], s.prometheus.host, because);
  if (s.prometheus.nodeMetricsHost.trim() !== '') {
    check.requireHost(['prometheus', 'nodeMetricsHost'], s.prometheus.nodeMetricsHost, because);
  }
}
