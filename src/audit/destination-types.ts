/**
 * Which audit destinations are listed (docs/reference/audit-api.md#destinations):
 * `destination.type` is a comma-separated list, each item trimmed and lower-cased. Kept out of
 * the section's config.ts so the destinations' plug-in tests can ask it without loading the
 * schema library into the agent.
 */

/** The part of the `auditEvents` section that decides where events go. */
export interface AuditDestinationSwitch {
  enable: boolean;
  destination: { enable: boolean; type: string };
}

export function destinationTypes(config: AuditDestinationSwitch): string[] {
  return config.destination.type
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
}

/** True when the audit API runs and `kind` is a destination it stores to. */
export function auditDestinationOn(config: AuditDestinationSwitch | undefined, kind: string): boolean {
  return config?.enable === true && config.destination.enable && destinationTypes(config).includes(kind);
}
