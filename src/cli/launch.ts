/**
 * Entry of the `butler-sos` command (bin/butler-sos.js, the Docker image, the single binary).
 *
 * Why two processes: reading and checking the config needs the YAML parser, the schema library
 * and the command-line parser, which together keep about 25 MB resident for the life of a
 * process (Node never unloads a module). The agent needs none of them once the config is known.
 * So the run command parses and validates in a short-lived child process (this same entry,
 * with BUTLER_SOS_HANDOVER_FD set), which hands the validated config over as JSON on an extra
 * pipe and exits; this process then runs the agent and stays the one PID that Docker, systemd
 * and the Windows service manager signal. Every other command (verify-config, sim, demo, help)
 * runs in this process directly: they are short-lived or not memory-sensitive.
 */
import { spawn } from 'node:child_process';
import { isSea } from 'node:sea';
import { enableCompileCache } from './compile-cache.ts';
import { HANDOVER_FD_ENV, type RunHandover } from './handover.ts';

/** Signals passed on to the checking child (SIGBREAK: Windows' Ctrl+Break). */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/** Subcommands of main.ts: any of these as an argument means "not the agent". */
const SUBCOMMANDS = new Set(['verify-config', 'sim', 'demo', 'help']);

/** Runs the CLI in a child and collects the handover it writes on fd 3 (undefined: none written). */
function validateInChild(args: string[]): Promise<{ code: number; handover?: RunHandover }> {
  // A single binary re-runs itself with the user's arguments; a script runs with the same
  // Node flags and script path.
  const argv = isSea() ? args : [...process.execArgv, process.argv[1]!, ...args];
  // A stop request while the config is being checked stops the check too (it must never
  // outlive this process); the agent is then not started (no handover). Listening before the
  // spawn: a signal that arrives meanwhile is passed on as soon as the child exists.
  let child: ReturnType<typeof spawn> | undefined;
  let early: NodeJS.Signals | undefined;
  const forward = (signal: NodeJS.Signals) => {
    if (child) child.kill(signal);
    else early = signal;
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  child = spawn(process.execPath, argv, {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: { ...process.env, [HANDOVER_FD_ENV]: '3' },
  });
  if (early) child.kill(early);
  const chunks: Buffer[] = [];
  child.stdio[3]?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const checking = child;
  return new Promise((resolve, reject) => {
    checking.on('error', reject);
    checking.on('close', (code, signal) => {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
      const text = Buffer.concat(chunks).toString('utf8');
      const exitCode = code ?? (signal ? 1 : 0);
      if (exitCode !== 0 || text === '') {
        resolve({ code: exitCode });
        return;
      }
      try {
        resolve({ code: 0, handover: JSON.parse(text) as RunHandover });
      } catch (error) {
        reject(new Error(`config handover from the checking process is not valid JSON: ${String(error)}`));
      }
    });
  });
}

enableCompileCache();
const args = process.argv.slice(2);
if (process.env[HANDOVER_FD_ENV] || args.some((arg) => SUBCOMMANDS.has(arg))) {
  await import('./main.ts');
} else {
  // The agent's code loads while the child checks the config (loading starts nothing): the
  // two took about the same time one after the other. The child is spawned first: the import
  // reads and compiles much of the agent's code before it returns, which delayed the spawn
  // by about 0.2 s.
  const checked = validateInChild(args);
  const agentCode = import('./handover-run.ts');
  agentCode.catch(() => {});
  const { code, handover } = await checked;
  if (!handover) {
    // Help, version, or a config that did not pass: the child already said why.
    process.exitCode = code;
  } else {
    const { startFromHandover } = await agentCode;
    await startFromHandover(handover);
  }
}
