/**
 * Anonymous instance id, stable across restarts (the product's documented derivation,
 * docs/reference/runtime.md#instance-id): the MAC and IPv4 address of the default network interface,
 * the QRS host of the config (`appNames.hostIP`) and the OS's unique system id, joined
 * without separators and hashed with HMAC-SHA-256 keyed with the MAC. Only the 64-hex
 * digest is ever shown or sent; the inputs never leave the machine.
 *
 * With an empty QRS host this is exactly upstream's v11+ derivation, so upstream's test
 * vectors hold.
 */
import { createHmac } from 'node:crypto';
import type { SystemInfo } from '../system-info.ts';

export interface InstanceIdInputs {
  mac: string;
  ip4: string;
  qrsHost: string;
  machineId: string;
}

export function computeInstanceId(inputs: InstanceIdInputs): string {
  const message = `${inputs.mac}${inputs.ip4}${inputs.qrsHost}${inputs.machineId}`;
  return createHmac('sha256', inputs.mac).update(message).digest('hex');
}

/** The id for this host; `qrsHost` is `appNames.hostIP` ('' when not configured). */
export function instanceIdFor(system: SystemInfo, qrsHost: string): string {
  return computeInstanceId({
    mac: system.network.mac,
    ip4: system.network.ip4,
    qrsHost: qrsHost ?? '',
    machineId: system.machineId,
  });
}
