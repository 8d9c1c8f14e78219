/**
 * Client certificate material for Sense calls, loaded from the configured PEM files.
 *
 * Upstream re-reads the files on every request so that certificate rotation works
 * without a restart (docs/reference/sense-apis.md#client-certificates). Re-reading and re-parsing
 * PEM per request is what makes upstream's polls expensive, so here the files are read once, turned
 * into one TLS SecureContext, and only re-read when a file's mtime or size changes; the change
 * check itself runs at most once per `checkIntervalMs`.
 */
import { readFile, stat } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';

export interface CertificateFiles {
  clientCert: string;
  clientCertKey: string;
  /** Absent for QRS calls, which never verify the server (docs/reference/sense-apis.md#app-list-request). */
  clientCertCA?: string | undefined;
  clientCertPassphrase?: string | null | undefined;
}

export interface CertificateMaterial {
  secureContext: SecureContext;
  /** Increases every time the files are (re)loaded with different content. */
  generation: number;
}

/** A certificate file could not be read or used; names the config key and the path. */
export class CertificateFileError extends Error {
  readonly file: string;
  readonly configKey: string;
  readonly code: string | undefined;
  constructor(configKey: string, file: string, cause: unknown) {
    const code = (cause as { code?: unknown })?.code;
    super(
      `cannot read ${configKey} file ${file}: ${typeof code === 'string' ? code : ((cause as Error)?.message ?? String(cause))}`,
    );
    this.name = 'CertificateFileError';
    this.file = file;
    this.configKey = configKey;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/** The files could be read but OpenSSL rejected them (bad PEM, wrong passphrase, key/cert mismatch). */
export class CertificateUseError extends Error {
  readonly code: string | undefined;
  constructor(cause: unknown) {
    const code = (cause as { code?: unknown })?.code;
    // OpenSSL messages name the problem, never the passphrase itself.
    super(`client certificate cannot be used: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'CertificateUseError';
    this.code = typeof code === 'string' ? code : undefined;
  }
}

interface FileStamp {
  mtimeMs: number;
  size: number;
}

type Entry = [configKey: string, path: string];

export class CertificateStore {
  readonly #files: CertificateFiles;
  readonly #checkIntervalMs: number;
  readonly #entries: Entry[];
  #material: CertificateMaterial | undefined;
  #stamps: FileStamp[] = [];
  #lastCheckMs = Number.NEGATIVE_INFINITY;
  #pending: Promise<CertificateMaterial> | undefined;
  #generation = 0;
  /** How many times the files were read (for tests and stats). */
  loads = 0;

  constructor(files: CertificateFiles, checkIntervalMs = 10_000) {
    this.#files = files;
    this.#checkIntervalMs = checkIntervalMs;
    this.#entries = [
      ['cert.clientCert', files.clientCert],
      ['cert.clientCertKey', files.clientCertKey],
    ];
    if (files.clientCertCA) this.#entries.push(['cert.clientCertCA', files.clientCertCA]);
  }

  /** Current material; re-reads the files when they changed. Rejects with a typed error. */
  get(nowMs = Date.now()): Promise<CertificateMaterial> {
    if (this.#material && nowMs - this.#lastCheckMs < this.#checkIntervalMs) {
      return Promise.resolve(this.#material);
    }
    // Concurrent polls share one check instead of stat-ing the files 100 times.
    this.#pending ??= this.#refresh(nowMs).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #refresh(nowMs: number): Promise<CertificateMaterial> {
    const stamps = await Promise.all(
      this.#entries.map(async ([key, path]) => {
        try {
          const s = await stat(path);
          return { mtimeMs: s.mtimeMs, size: s.size };
        } catch (error) {
          throw new CertificateFileError(key, path, error);
        }
      }),
    );
    if (this.#material && sameStamps(stamps, this.#stamps)) {
      this.#lastCheckMs = nowMs;
      return this.#material;
    }
    const contents = await Promise.all(
      this.#entries.map(async ([key, path]) => {
        try {
          return await readFile(path);
        } catch (error) {
          throw new CertificateFileError(key, path, error);
        }
      }),
    );
    this.loads++;
    const [cert, key, ca] = contents;
    const passphrase = this.#files.clientCertPassphrase;
    let secureContext: SecureContext;
    try {
      secureContext = createSecureContext({
        cert,
        key,
        ...(ca ? { ca } : {}),
        // Applied only when non-empty, as upstream (docs/reference/sense-apis.md#client-certificates).
        ...(typeof passphrase === 'string' && passphrase !== '' ? { passphrase } : {}),
      });
    } catch (error) {
      throw new CertificateUseError(error);
    }
    this.#generation++;
    this.#material = { secureContext, generation: this.#generation };
    this.#stamps = stamps;
    this.#lastCheckMs = nowMs;
    return this.#material;
  }
}

function sameStamps(a: FileStamp[], b: FileStamp[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((s, i) => s.mtimeMs === b[i]?.mtimeMs && s.size === b[i]?.size);
}
