/**
 * POSTs request bodies to one remote-write endpoint over a keep-alive connection of the shared
 * HTTP client, with the endpoint's own TLS settings (CA, client certificate, server name).
 */
import { readFileSync } from 'node:fs';
import { createHttpClient, type HttpsAgentTls } from '../../http/client.ts';

export interface PosterTls {
  ca: string;
  cert: string;
  key: string;
  serverName: string;
  rejectUnauthorized: boolean;
}

export interface PostAnswer {
  status: number;
  /** The start of the answer (at most 4 KiB): enough for an error message. */
  body: string;
}

export interface Poster {
  post(
    body: Buffer,
    headers: Record<string, string>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<PostAnswer>;
  close(): void;
}

/** Opens nothing yet; reads the TLS files (throws naming the file when one cannot be read). */
export function createPoster(url: URL, tls: PosterTls): Poster {
  const client = createHttpClient(url.origin, {
    connections: 1,
    maxResponseBytes: 4096,
    ...(url.protocol === 'https:' ? { tls: tlsOptions(tls) } : {}),
  });
  const path = `${url.pathname}${url.search}`;
  return {
    post: async (body, headers, timeoutMs, signal) => {
      const { status, body: text } = await client.request({
        method: 'POST',
        path,
        headers,
        body,
        timeoutMs,
        ...(signal ? { signal } : {}),
      });
      return { status, body: text };
    },
    close: () => void client.close(),
  };
}

function tlsOptions(tls: PosterTls): HttpsAgentTls {
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(
        `cannot read the TLS ${what} file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
  };
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca ? { ca: read('CA', tls.ca) } : {}),
    ...(tls.cert ? { cert: read('certificate', tls.cert) } : {}),
    ...(tls.key ? { key: read('key', tls.key) } : {}),
    ...(tls.serverName ? { servername: tls.serverName } : {}),
  };
}
