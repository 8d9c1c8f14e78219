/**
 * The sink of one remote-write endpoint: a batch of samples becomes one request (series
 * grouped, labels added and sorted, protobuf, Snappy), POSTed with the endpoint's auth and
 * headers. Answers follow the remote-write spec: 2xx delivered; 5xx and 429 retried; other
 * 4xx refuse the content (the queue splits the batch to drop only what is refused), except
 * 401/403/404/408, which are problems of the endpoint or its settings and are retried so that
 * nothing is dropped while an operator fixes a token or a URL.
 */
import { DeliveryError, type DeliverySink } from '../../delivery/types.ts';
import { statusFailureOf } from '../../http/client.ts';
import { socketErrorText, socketFailureOf } from '../../net/socket-errors.ts';
import type { RemoteWriteEndpointConfig } from './config.ts';
import { createPoster, type Poster } from './poster.ts';
import { groupSeries, type LabelPolicy, type RwSample } from './series.ts';
import { compressBody, encodeWriteRequest } from './wire.ts';

export interface RemoteWriteSink extends DeliverySink<RwSample> {
  /** Opens nothing; reads the TLS files (throws when one cannot be read). */
  start(): void;
  close(): void;
}

export interface RemoteWriteSinkOptions {
  endpoint: RemoteWriteEndpointConfig;
  labels: LabelPolicy;
  version: string;
  /** Removes secrets from error text (the URL may carry credentials). */
  redact: (text: string) => string;
}

export function createRemoteWriteSink(options: RemoteWriteSinkOptions): RemoteWriteSink {
  const { endpoint, labels, redact } = options;
  const url = new URL(endpoint.url);
  const headers = requestHeaders(endpoint, url, options.version);
  let poster: Poster | undefined;
  return {
    start() {
      poster ??= createPoster(url, endpoint.tls);
    },
    async write(batch, signal) {
      if (!poster)
        throw new DeliveryError('remote write: sink not started', { kind: 'retryable', code: 'closed' });
      const body = compressBody(encodeWriteRequest(groupSeries(batch, labels)));
      let answer: Awaited<ReturnType<Poster['post']>>;
      try {
        answer = await poster.post(body, headers, endpoint.timeoutMs, signal);
      } catch (error) {
        throw new DeliveryError(redact(`remote write: ${socketErrorText(error)}`), {
          kind: 'retryable',
          code: signal?.aborted ? 'aborted' : socketFailureOf(error),
          cause: error,
        });
      }
      if (answer.status >= 200 && answer.status < 300) return;
      const retry = answer.status >= 500 || [401, 403, 404, 408, 429].includes(answer.status);
      throw new DeliveryError(
        redact(`remote write: HTTP ${answer.status}: ${answer.body.trim().slice(0, 500)}`),
        {
          kind: retry ? 'retryable' : 'rejected',
          code: statusFailureOf(answer.status),
        },
      );
    },
    close() {
      poster?.close();
      poster = undefined;
    },
  };
}

function requestHeaders(
  endpoint: RemoteWriteEndpointConfig,
  url: URL,
  version: string,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { name, value } of endpoint.headers) headers[name.toLowerCase()] = value;
  // The protocol's own headers win over configured ones.
  headers['content-type'] = 'application/x-protobuf';
  headers['content-encoding'] = 'snappy';
  headers['x-prometheus-remote-write-version'] = '0.1.0';
  headers['user-agent'] = `butler-sos/${version}`;
  const user = endpoint.basicAuth.username || decodeURIComponent(url.username);
  const password = endpoint.basicAuth.username
    ? endpoint.basicAuth.password
    : decodeURIComponent(url.password);
  if (user) headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  else if (endpoint.bearerToken) headers.authorization = `Bearer ${endpoint.bearerToken}`;
  return headers;
}
