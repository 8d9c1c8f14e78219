/**
 * Reading a file named by the config with an upper bound on its size: a config, a certificate or
 * a key is small, and a path that names a device (`/dev/zero`), a FIFO or a huge file must fail
 * with a clear reason instead of filling memory or blocking forever.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export class CappedReadError extends Error {
  /** `ENOENT`, `EACCES`, ... for system errors; `ETOOBIG` and `ENOTREG` for ours. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CappedReadError';
    this.code = code;
  }
}

/** Human-readable size: `64 KiB`, `10 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} bytes`;
}

/**
 * The whole file, if it is a regular file of at most `maxBytes`. Opened without blocking, so a
 * FIFO with no writer does not hang; at most `maxBytes + 1` bytes are ever read, so a file that
 * grows while it is read (or lies about its size) cannot exceed the cap either.
 */
export function readFileCapped(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CappedReadError(code, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new CappedReadError('EISDIR', 'is a directory, not a file');
    if (!stat.isFile())
      throw new CappedReadError('ENOTREG', 'is not a regular file (a device, pipe or socket)');
    if (stat.size > maxBytes) {
      throw new CappedReadError(
        'ETOOBIG',
        `is ${formatBytes(stat.size)}, larger than the ${formatBytes(maxBytes)} allowed`,
      );
    }
    // Sized from fstat, grown (up to the cap) if the file turns out longer than it said.
    let buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(stat.size + 1, 4096)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (buffer.length > maxBytes) break;
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) {
      throw new CappedReadError('ETOOBIG', `is larger than the ${formatBytes(maxBytes)} allowed`);
    }
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof CappedReadError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CappedReadError(code, `cannot be read (${code})`);
  } finally {
    closeSync(fd);
  }
}

/** A PEM certificate, chain or key: a few KiB; a CA bundle a few hundred. */
export const PEM_FILE_MAX_BYTES = 1024 * 1024;
