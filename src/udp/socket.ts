/**
 * The UDP listener's socket: bound exclusively, with the receive buffer asked for (and a
 * warning when the OS granted less), and a watch on the kernel's own drop counter.
 */
import dgram, { type Socket } from 'node:dgram';
import type { Logger } from '../logging/logger.ts';
import { type KernelSocketCounters, kernelCountersReader } from './kernel-drops.ts';

export function createUdpSocket(receiveBufferBytes: number): Socket {
  return dgram.createSocket({ type: 'udp4', reuseAddr: false, recvBufferSize: receiveBufferBytes });
}

/** Binds; a failure closes the socket and rejects with a message naming the address. */
export function bindUdpSocket(socket: Socket, name: string, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      socket.close();
      reject(new Error(`UDP listener ${name}: cannot bind ${host}:${port}: ${err.message}`));
    };
    socket.once('error', onError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

/** Logs where the socket listens, warning when the receive buffer is smaller than asked. */
export function logListening(socket: Socket, name: string, requestedBytes: number, log: Logger): void {
  const obtainedBytes = socket.getRecvBufferSize();
  const bound = socket.address();
  const fields = { address: bound.address, port: bound.port, requestedBytes, obtainedBytes };
  // Linux reports twice the usable size it granted (bookkeeping overhead), capped by net.core.rmem_max.
  if (obtainedBytes < requestedBytes) {
    log.warn(
      `UDP ${name}: receive buffer smaller than requested; bursts may be lost (raise net.core.rmem_max on Linux)`,
      fields,
    );
  } else log.info(`UDP ${name}: listening`, fields);
}

export interface KernelDropWatch {
  /** The kernel's counters now (undefined where the OS does not tell). */
  read(): KernelSocketCounters | undefined;
  stop(): void;
}

/** Checks the kernel drop counter every `everyMs` and warns when it grew. */
export function watchKernelDrops(port: number, name: string, everyMs: number, log: Logger): KernelDropWatch {
  const read = kernelCountersReader(port);
  let lastDrops = read()?.drops ?? 0;
  const timer = setInterval(() => {
    const k = read();
    if (k !== undefined && k.drops > lastDrops) {
      log.warn(`UDP ${name}: the kernel dropped datagrams (receive buffer full)`, {
        dropped: k.drops - lastDrops,
        totalKernelDrops: k.drops,
      });
      lastDrops = k.drops;
    }
  }, everyMs);
  timer.unref();
  return { read, stop: () => clearInterval(timer) };
}
