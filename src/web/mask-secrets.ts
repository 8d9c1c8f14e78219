/**
 * A last line of defence for everything the web UI shows.
 *
 * The caller already hands the web server a masked config
 * (docs/reference/runtime.md#config-view-masking) and a masked status, but a page that renders a
 * secret is a leak whoever's bug it is, so the server masks again before rendering: every value
 * under a key whose name looks like a credential, every header value (partly masked values under
 * secret keys become fully masked), and credentials in any text: URL passwords,
 * Authorization-like header values, token-like query parameters. The masking is the secrets
 * module's, the same as in logs, the status and the config view.
 */
import { maskSecretsIn } from '../secrets/mask-json.ts';
import { MASK, redactCredentialShapes } from '../secrets/redactor.ts';

export { MASK };

/**
 * Removes credentials recognisable in free text: the password of `scheme://user:password@host`,
 * Authorization-like header values, token-like query parameters.
 */
export function scrubText(text: string): string {
  return redactCredentialShapes(text);
}

/** A deep copy of `value` with every secret masked. Never throws; never mutates its input. */
export function maskSecrets(value: unknown): unknown {
  return maskSecretsIn(value);
}
