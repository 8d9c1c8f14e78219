/** The local store's section (ours): where the SQLite file is and how much history it keeps. */
import type { z } from 'zod';
import { bool, positive, section, str } from '../../config/kit/fields.ts';

export const localStoreSchema = section(
  {
    enable: bool(
      false,
      'Keep recent history in an embedded SQLite database (a destination; feeds the web UI).',
    ),
    file: str('data/butler-sos.sqlite', 'Database file, relative to the working directory unless absolute.'),
    retentionHours: positive(24, 'Hours of history kept.'),
    maxSizeMB: positive(
      200,
      'Largest size on disk (database file and write-ahead log); the oldest rows are pruned beyond it.',
    ),
  },
  'Local store (this implementation).',
);

export type LocalStoreConfig = z.output<typeof localStoreSchema>;
