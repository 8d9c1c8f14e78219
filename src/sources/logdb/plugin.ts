/** The Sense log database (`logdb`): warnings and errors read from QLogs, for sites that still have it. */
import type { SourcePlugin } from '../../components/source.ts';

export default {
  id: 'logdb',
  enabled: (settings) => settings.logdb.enable,
  async create(context) {
    return (await import('./source.ts')).createLogDbSource(context);
  },
} satisfies SourcePlugin;
