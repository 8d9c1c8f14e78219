/** The file destination's section (`fileOutput`, ours): where the NDJSON files go, and how they rotate and age. */
import { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import { bool, list, positive, section, str } from '../../config/kit/fields.ts';
import { RECORD_KINDS } from '../../records/record.ts';

export const fileOutputSchema = section(
  {
    enable: bool(false, 'Write every record as one JSON object per line to files, for log shippers.'),
    directory: str('output', 'Folder of the files, relative to the working directory unless absolute.'),
    fileName: str('butler-sos', 'Start of each file name: <fileName>-<YYYY-MM-DD>[.<n>].ndjson (UTC date).'),
    maxFileSizeMB: positive(100, 'A file is closed and the next one started before it would pass this size.'),
    retentionDays: z
      .number()
      .int()
      .min(0)
      .default(7)
      .describe('Files of days older than this are deleted (0 keeps every file).'),
    kinds: list(z.enum(RECORD_KINDS), 'Record kinds to write (empty: every kind).'),
  },
  'NDJSON files (this implementation).',
);

export type FileOutputConfig = z.output<typeof fileOutputSchema>;

export function checkFileOutput(s: { fileOutput: FileOutputConfig }, check: SettingsCheck): void {
  if (!s.fileOutput.enable) return;
  const because = 'fileOutput.enable is true';
  check.requireText(['fileOutput', 'directory'], s.fileOutput.directory, because, 'a folder');
  if (!/^[\w.-]+$/.test(s.fileOutput.fileName)) {
    check.error(['fileOutput', 'fileName'], 'must be letters, digits, ".", "-" or "_"', 'a file name start');
  }
}
