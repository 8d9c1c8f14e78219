/**
 * The kernel's own count of datagrams it dropped for one UDP socket (receive buffer full),
 * which no user-space counter can see. Linux only: the `drops` column of /proc/net/udp, for
 * the row whose local port is ours and whose inode belongs to one of this process's open
 * sockets. Elsewhere (or if /proc is unreadable) the answer is `undefined`.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface KernelSocketCounters {
  /** Datagrams dropped by the kernel since the socket was opened. */
  drops: number;
  /** Bytes waiting in the socket's receive queue right now. */
  rxQueueBytes: number;
}

function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
    } catch {
      // The fd closed between listing and reading it.
    }
  }
  return inodes;
}

/** A reader for one bound socket, identified by its local port. */
export function kernelCountersReader(port: number): () => KernelSocketCounters | undefined {
  if (process.platform !== 'linux') return () => undefined;
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let inode: string | undefined;
  return () => {
    try {
      const rows = readFileSync('/proc/net/udp', 'latin1').split('\n');
      const candidates: string[][] = [];
      for (let i = 1; i < rows.length; i++) {
        const cols = rows[i]!.trim().split(/\s+/);
        if (cols.length >= 13 && cols[1]!.endsWith(portHex)) candidates.push(cols);
      }
      if (candidates.length === 0) return undefined;
      if (inode === undefined || !candidates.some((c) => c[9] === inode)) {
        const own = ownSocketInodes();
        inode = candidates.find((c) => own.has(c[9]!))?.[9];
      }
      const row = candidates.find((c) => c[9] === inode);
      if (row === undefined) return undefined;
      const rx = row[4]!.split(':')[1] ?? '0';
      return { drops: Number(row[12]), rxQueueBytes: Number.parseInt(rx, 16) };
    } catch {
      return undefined;
    }
  };
}
