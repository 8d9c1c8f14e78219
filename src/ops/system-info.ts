/**
 * Host information (docs/reference/runtime.md#system-information), used for the startup banner, the anonymous
 * instance id and telemetry, and nothing else.
 *
 * With `systemInfo.enable: false` nothing is read from the host beyond what the runtime
 * already knows (platform, architecture, Node version) and no external command is ever
 * run: security teams flagged upstream for spawning OS commands. With it enabled, Linux
 * facts come from files (/etc/os-release, /proc, /etc/machine-id) without any command;
 * only the Windows and macOS machine ids need one (`reg query`, `ioreg`), run with a
 * timeout.
 */
import childProcess from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface DefaultInterface {
  name: string;
  /** Lower-case, colon-separated. Never leaves the machine. */
  mac: string;
  /** Dotted decimal. Never leaves the machine. */
  ip4: string;
}

export interface SystemInfo {
  /** False when `systemInfo.enable` is false: the values below are the fixed substitutes. */
  detailed: boolean;
  platform: string;
  arch: string;
  release: string;
  distro: string;
  codename: string;
  /** Runs in a virtual machine; undefined when unknown or not collected. */
  virtual: boolean | undefined;
  isRunningInDocker: boolean;
  nodeVersion: string;
  processors: number;
  physicalCores: number;
  cores: number;
  /** Bytes; 0 when not collected. */
  totalMemory: number;
  network: DefaultInterface;
  /** The OS's unique system id, lower-case; `disabled` when not collected, '' when none. */
  machineId: string;
}

export interface CollectSystemInfoOptions {
  /** `systemInfo.enable`. */
  enable: boolean;
  /** For tests: which OS's collection path to take (default: the running one). */
  platform?: NodeJS.Platform;
}

const NO_INTERFACE: DefaultInterface = { name: 'default', mac: '00:00:00:00:00:00', ip4: '127.0.0.1' };
const COMMAND_TIMEOUT_MS = 5000;

export async function collectSystemInfo(options: CollectSystemInfoOptions): Promise<SystemInfo> {
  const isRunningInDocker = existsSync('/.dockerenv');
  if (!options.enable) {
    return {
      detailed: false,
      platform: process.platform,
      arch: process.arch,
      release: 'unknown',
      distro: 'unknown',
      codename: 'unknown',
      virtual: undefined,
      isRunningInDocker,
      nodeVersion: process.version,
      processors: 1,
      physicalCores: 1,
      cores: 1,
      totalMemory: 0,
      network: NO_INTERFACE,
      machineId: 'disabled',
    };
  }
  const platform = options.platform ?? process.platform;
  const cores = os.cpus().length || 1;
  const base = {
    detailed: true,
    // Upstream's system library reports Windows as "Windows"; kept for telemetry continuity.
    platform: platform === 'win32' ? 'Windows' : platform,
    arch: os.arch(),
    isRunningInDocker,
    nodeVersion: process.version,
    processors: 1,
    cores,
    totalMemory: os.totalmem(),
  };
  if (platform === 'linux') {
    const release = parseOsRelease(readText('/etc/os-release'));
    return {
      ...base,
      release: release.VERSION?.replace(/\s*\(.*\)\s*$/, '') || release.VERSION_ID || os.release(),
      distro: release.NAME || 'Linux',
      codename: release.VERSION_CODENAME || '',
      virtual: detectLinuxVirtual(),
      physicalCores: linuxPhysicalCores() ?? cores,
      network: defaultInterface(linuxDefaultInterfaceName()),
      machineId: (readText('/etc/machine-id') || readText('/var/lib/dbus/machine-id')).trim().toLowerCase(),
    };
  }
  const machineId = await otherMachineId(platform);
  return {
    ...base,
    release: os.release(),
    distro: platform === 'win32' ? os.version() : platform === 'darwin' ? 'macOS' : os.type(),
    codename: '',
    virtual: undefined,
    physicalCores: cores,
    network: defaultInterface(undefined),
    machineId,
  };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) out[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return out;
}

function detectLinuxVirtual(): boolean {
  const product = `${readText('/sys/class/dmi/id/product_name')} ${readText('/sys/class/dmi/id/sys_vendor')}`;
  if (/vmware|virtualbox|kvm|qemu|hyper-v|virtual machine|xen|bochs|parallels/i.test(product)) return true;
  return /^flags\s*:.*\bhypervisor\b/m.test(readText('/proc/cpuinfo'));
}

function linuxPhysicalCores(): number | undefined {
  const cpuinfo = readText('/proc/cpuinfo');
  const pairs = new Set<string>();
  let physical = '';
  for (const line of cpuinfo.split('\n')) {
    if (line.startsWith('physical id')) physical = line.split(':')[1]?.trim() ?? '';
    if (line.startsWith('core id')) pairs.add(`${physical}/${line.split(':')[1]?.trim() ?? ''}`);
  }
  return pairs.size > 0 ? pairs.size : undefined;
}

/** The interface of the default route (destination 0.0.0.0) in /proc/net/route. */
function linuxDefaultInterfaceName(): string | undefined {
  for (const line of readText('/proc/net/route').split('\n').slice(1)) {
    const [name, destination] = line.trim().split(/\s+/);
    if (name && destination === '00000000') return name;
  }
  return undefined;
}

/** The named interface's IPv4 entry, else the first external IPv4 interface, else none. */
function defaultInterface(preferred: string | undefined): DefaultInterface {
  const all = os.networkInterfaces();
  const pick = (name: string) => {
    const entry = all[name]?.find((a) => a.family === 'IPv4' && !a.internal);
    return entry ? { name, mac: entry.mac.toLowerCase(), ip4: entry.address } : undefined;
  };
  if (preferred) {
    const found = pick(preferred);
    if (found) return found;
  }
  for (const name of Object.keys(all)) {
    const found = pick(name);
    if (found) return found;
  }
  return NO_INTERFACE;
}

/** Windows MachineGuid / macOS IOPlatformUUID; '' when unavailable. */
async function otherMachineId(platform: NodeJS.Platform): Promise<string> {
  try {
    if (platform === 'win32') {
      const out = await run('reg', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid']);
      return /MachineGuid\s+REG_SZ\s+(\S+)/i.exec(out)?.[1]?.toLowerCase() ?? '';
    }
    if (platform === 'darwin') {
      const out = await run('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice']);
      return /"IOPlatformUUID"\s*=\s*"([^"]+)"/.exec(out)?.[1]?.toLowerCase() ?? '';
    }
  } catch {
    // No id is a valid answer: the instance id is then built from the other inputs.
  }
  return '';
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    childProcess.execFile(
      command,
      args,
      { timeout: COMMAND_TIMEOUT_MS, windowsHide: true },
      (error, stdout) => {
        if (error) reject(error);
        else resolve(String(stdout));
      },
    );
  });
}
