/** The agent process side of launch.ts: runs the agent with the config the child checked. */
import { createSecretRedactor } from '../config/mask.ts';
import type { RunHandover } from './handover.ts';
import { runAgent } from './run.ts';

export async function startFromHandover(handover: RunHandover): Promise<void> {
  const { config, ...options } = handover;
  try {
    await runAgent(config, options);
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(
      `${createSecretRedactor(config)(`MAIN: The agent stopped with an error: ${text}`)}\n`,
    );
    process.exitCode = 1;
  }
}
