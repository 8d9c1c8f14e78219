/** The logging keys, directly under `Butler-SOS` (upstream has no logging section). */
import { z } from 'zod';
import { bool, str, trim } from '../config/kit/fields.ts';
import { LOG_LEVELS } from './logger.ts';

/** The logging keys, in the file's order. */
export const loggingKeys = {
  logLevel: z
    .preprocess(trim, z.enum(LOG_LEVELS))
    .default('info')
    .describe('Log level: error, warn, info, verbose, debug or silly.'),
  fileLogging: bool(true, 'Also write daily log files.'),
  logDirectory: str('log', 'Folder for log files.'),
};

export type LoggingConfig = z.output<z.ZodObject<typeof loggingKeys>>;
