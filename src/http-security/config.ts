/**
 * The section shared by every HTTP endpoint of the agent (web UI and its API, /metrics and
 * /status, the Node.js metrics endpoint, the Docker health endpoint): one optional web config
 * file in the Prometheus exporter-toolkit format (TLS and basic auth), the Host names accepted,
 * and the per-client rate limit. Ours: upstream Butler SOS has no such settings.
 */
import { z } from 'zod';
import { count, list, section, str } from '../config/kit/fields.ts';

export const httpSecuritySchema = section(
  {
    webConfigFile: str(
      '',
      'Web config file in the Prometheus exporter-toolkit format (tls_server_config, basic_auth_users) applied to every HTTP endpoint; empty: plain HTTP without authentication.',
    ),
    allowedHosts: list(
      z.string().min(1),
      'Extra names accepted in the Host header (a reverse proxy name, a DNS alias); "*" accepts any. Loopback names and IP addresses are always accepted.',
    ),
    rateLimitPerMinute: count(300, 'Requests per minute per client on each HTTP endpoint before HTTP 429.'),
  },
  'TLS, basic auth, Host names and rate limit of the HTTP endpoints (this implementation).',
);

export type HttpSecurityConfig = z.output<typeof httpSecuritySchema>;
