/**
 * The startup banner of docs/reference/runtime.md#startup-banner, with the anonymous instance id.
 * Log readers and support scripts look for these labels, so the layout is upstream's:
 * 38 dashes around, labels padded to 18 characters before ": ".
 */
import { resolve } from 'node:path';
import type { SystemInfo } from './system-info.ts';

export interface BannerInputs {
  logLevel: string;
  version: string;
  instanceId: string;
  system: SystemInfo;
  /** Running as a packaged single executable. */
  standalone: boolean;
  /** `cert.clientCert`, `cert.clientCertKey`, `cert.clientCertCA` as configured. */
  certificates: { clientCert: string; clientCertKey: string; clientCertCA: string };
  /** Base for relative certificate paths (default: the working directory). */
  cwd?: string;
}

const RULE = '-'.repeat(38);
const row = (label: string, value: unknown) => `${label.padEnd(18)}: ${String(value)}`;

export function startupBanner(inputs: BannerInputs): string[] {
  const { system } = inputs;
  const cwd = inputs.cwd ?? process.cwd();
  return [
    RULE,
    'Starting Butler SOS',
    row('Log level', inputs.logLevel),
    row('App version', inputs.version),
    row('Instance ID', inputs.instanceId),
    row('Running in Docker', system.isRunningInDocker),
    '',
    row('Node version', system.nodeVersion),
    row('Architecture', system.arch),
    row('Platform', system.platform),
    row('Release', system.release),
    row('Distro', system.distro),
    row('Codename', system.codename),
    row('Virtual', system.virtual),
    row('Processors', system.processors),
    row('Physical cores', system.physicalCores),
    row('Cores', system.cores),
    // The Docker daemon is never queried; inside a container its architecture is the OS's.
    row('Docker arch.', system.isRunningInDocker ? system.arch : 'N/A'),
    row('Total memory', system.totalMemory),
    row('Standalone app', inputs.standalone),
    row('Client cert', resolve(cwd, inputs.certificates.clientCert)),
    row('Client cert key', resolve(cwd, inputs.certificates.clientCertKey)),
    row('CA cert', resolve(cwd, inputs.certificates.clientCertCA)),
    RULE,
  ];
}
