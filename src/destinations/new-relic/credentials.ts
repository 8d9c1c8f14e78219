/**
 * New Relic credentials: from the command line
 * (docs/reference/runtime.md#new-relic-credentials-on-the-command-line) and from account names to
 * credential entries (docs/reference/new-relic.md#accounts-and-credentials).
 */
import type { Logger } from '../../logging/logger.ts';
import type { NewRelicCredential } from './config.ts';
import type { NewRelicAccount } from './newrelic-sink.ts';

/** A credential entry whose id may still be a number (as YAML reads `123`): the sink checks ids. */
type CredentialEntry = Omit<NewRelicCredential, 'accountId'> & Pick<NewRelicAccount, 'accountId'>;

export const CLI_COUNT_MISMATCH =
  'Incorrect command line parameters: Number of New Relic account names/IDs/API keys must match.';

/**
 * The credential list from `--new-relic-account-name`, `--new-relic-api-key` and
 * `--new-relic-account-id`: undefined when none is given (the config's list applies);
 * throws CLI_COUNT_MISMATCH when some are given but the counts differ or one is missing.
 */
export function credentialsFromCommandLine(
  names: readonly string[] | undefined,
  apiKeys: readonly string[] | undefined,
  accountIds: readonly string[] | undefined,
): NewRelicCredential[] | undefined {
  if (names === undefined && apiKeys === undefined && accountIds === undefined) return undefined;
  if (
    !names ||
    !apiKeys ||
    !accountIds ||
    names.length !== apiKeys.length ||
    names.length !== accountIds.length
  ) {
    throw new Error(CLI_COUNT_MISMATCH);
  }
  return names.map((accountName, index) => ({
    accountName,
    accountId: accountIds[index] as string,
    insertApiKey: apiKeys[index] as string,
  }));
}

/**
 * The accounts named in a destination list (`...destinationAccount`), in list order. Unknown
 * names are logged (names only) and skipped; a null list means none
 * (docs/reference/new-relic.md#accounts-and-credentials).
 */
export function resolveAccounts(
  destinationNames: readonly string[] | null | undefined,
  credentials: readonly CredentialEntry[] | null | undefined,
  log: Logger,
  listKey = 'destinationAccount',
): NewRelicAccount[] {
  const accounts: NewRelicAccount[] = [];
  for (const name of destinationNames ?? []) {
    const credential = (credentials ?? []).find((entry) => entry.accountName === name);
    if (!credential) {
      log.warn(
        `New Relic: account "${name}" of ${listKey} is not in thirdPartyToolsCredentials.newRelic; skipped`,
      );
      continue;
    }
    accounts.push({ name, insertApiKey: credential.insertApiKey, accountId: credential.accountId });
  }
  return accounts;
}
