/**
 * Where the shared fixtures live: `../shared/fixtures` beside the repository, as in every
 * checkout and in CI (the reference data is not copied into the repository).
 */
import { fileURLToPath } from 'node:url';

export const SHARED_FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
export const CONSTRUCTED_FIXTURES = `${SHARED_FIXTURES}constructed/`;
