/**
 * The remote-write destination's section (`remoteWrite`, this implementation): where the
 * samples are pushed (one or more endpoints, each with its own auth, TLS, headers and
 * external labels), how often the agent's own metrics are pushed, and the event counters.
 */
import { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import { bool, count, list, nameValue, positive, section, str } from '../../config/kit/fields.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const endpointSchema = z
  .strictObject({
    name: str('', 'Name in logs, status and the spool folder (default: the URL without credentials).'),
    url: str('', 'Remote-write URL, e.g. http://victoriametrics:8428/api/v1/write.'),
    timeoutMs: positive(10000, 'Longest time one request may take.'),
    basicAuth: section(
      {
        username: str('', 'User name (basic auth is used when it is set).'),
        password: str('', 'Password.'),
      },
      'HTTP basic authentication.',
    ),
    bearerToken: str('', 'Bearer token sent as `Authorization: Bearer <token>`.'),
    tls: section(
      {
        ca: str(
          '',
          'File of the CA certificate(s) that signed the server certificate (PEM; empty: the system CAs).',
        ),
        cert: str('', 'Client certificate file (PEM), for servers that require one.'),
        key: str('', 'Key file of the client certificate (PEM).'),
        serverName: str('', 'Name expected in the server certificate (default: the URL host).'),
        rejectUnauthorized: bool(true, 'Refuse a server certificate that does not verify.'),
      },
      'TLS for an https URL.',
    ),
    headers: list(nameValue, 'Extra HTTP headers (for example X-Scope-OrgID for a multi-tenant Mimir).'),
    externalLabels: list(nameValue, 'Labels added to every series sent here (for example site).'),
  })
  .describe('One remote-write endpoint.');

export const remoteWriteSchema = section(
  {
    enable: bool(false, 'Push every metric of the scrape endpoint with Prometheus remote write 1.0.'),
    intervalMs: positive(
      15000,
      "How often the agent's own metrics, process metrics and event counters are pushed (on multiples of it).",
    ),
    maxBatchSize: count(2000, 'Samples per request at most.'),
    job: str('butler-sos', 'Value of the job label on every series.'),
    instance: str(
      '',
      'Value of the instance label on every series (empty: the host name, or ha.cluster with ha on).',
    ),
    eventCounters: section(
      {
        enable: bool(true, 'Count log events and user events as counters.'),
        maxSeries: count(
          10000,
          'Counter series at most; events of further label sets are counted as dropped.',
        ),
      },
      'Log and user events as counters.',
    ),
    endpoints: list(endpointSchema, 'Where to push; each endpoint has its own queue and spool.'),
  },
  'Prometheus remote write (this implementation).',
);

export type RemoteWriteConfig = z.output<typeof remoteWriteSchema>;
export type RemoteWriteEndpointConfig = RemoteWriteConfig['endpoints'][number];

export function checkRemoteWrite(s: { remoteWrite: RemoteWriteConfig }, check: SettingsCheck): void {
  const rw = s.remoteWrite;
  if (!rw.enable) return;
  const because = 'remoteWrite.enable is true';
  if (rw.endpoints.length === 0)
    check.error(['remoteWrite', 'endpoints'], `must list an endpoint because ${because}`);
  const names = new Set<string>();
  for (const [i, endpoint] of rw.endpoints.entries()) {
    const at = ['remoteWrite', 'endpoints', i];
    check.requireUri([...at, 'url'], endpoint.url, because);
    if (endpoint.basicAuth.username !== '' && endpoint.bearerToken !== '') {
      check.error(
        [...at, 'bearerToken'],
        `cannot be set together with ${check.at([...at, 'basicAuth', 'username'])}`,
      );
    }
    if ((endpoint.tls.cert === '') !== (endpoint.tls.key === '')) {
      check.error(
        [...at, 'tls', endpoint.tls.cert === '' ? 'cert' : 'key'],
        'tls.cert and tls.key go together',
      );
    }
    for (const [j, label] of endpoint.externalLabels.entries()) {
      if (!LABEL_NAME.test(label.name) || label.name.startsWith('__')) {
        check.error(
          [...at, 'externalLabels', j, 'name'],
          `"${label.name}" is not a label name`,
          'letters, digits and "_"',
        );
      }
    }
    const name = endpoint.name || endpoint.url;
    if (names.has(name))
      check.error([...at, 'name'], `"${name}" names two endpoints; give each its own name`);
    names.add(name);
  }
}
