export {
  createDiskSpool,
  type DiskSpool,
  type DiskSpoolOptions,
  type DiskSpoolStats,
  SPOOL_DROP_REASONS,
  type SpoolDropPolicy,
  spoolNameFor,
} from './disk-spool.ts';
export { inspectSpool, type SpoolInspection } from './inspect.ts';
