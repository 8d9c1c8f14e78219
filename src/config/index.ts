/** The config module's public API, in one import. */

export { checkCertificateFiles } from './certificates.ts';
export { ConfigError, type ConfigIssue, formatIssue } from './issues.ts';
export { type LoadedConfig, type LoadOptions, loadConfigFile, loadConfigText } from './load.ts';
export { createSecretRedactor, MASK, type MaskOptions, maskConfig } from './mask.ts';
export { certificatesNeeded, findPlaceholders } from './placeholders.ts';
export * from './schema.ts';
