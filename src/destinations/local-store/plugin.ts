/** The local store (`localStore`): recent history in SQLite on local disk, for the built-in web UI. */
import type { DestinationPlugin } from '../../components/destination.ts';
import type { LocalStoreDestination } from './destination.ts';

export default {
  id: 'local-store',
  enabled: (settings) => settings.localStore.enable,
  async create(context): Promise<LocalStoreDestination> {
    return (await import('./destination.ts')).createLocalStoreDestination(context);
  },
} satisfies DestinationPlugin;
