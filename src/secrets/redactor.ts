/**
 * One way to keep secrets out of text: log lines, error messages, the config view, the web UI.
 * Every secret becomes the same mask, `MASK`, wherever it is removed.
 *
 * A redactor removes two things:
 * - known secret values (passwords, tokens, API keys, header values of the config or of a
 *   sink's settings), also in the forms they take inside JSON and URLs;
 * - credentials recognisable by their shape, even when nobody told us the value: the password
 *   of `scheme://user:password@host`, the credentials of `Authorization`-like headers
 *   (`Bearer`/`Basic`/`Token` followed by a token, `Api-Key: ...`) and token-like query
 *   parameters (`?token=`, `apiKey=`, `password=`, ...).
 */

/** What every secret becomes: ten `*`, the mask of upstream's config view. */
export const MASK = '**********';

/** Key names (config keys, header and query parameter names) whose values are secrets. */
export const SECRET_NAME =
  /password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key|passphrase|private[-_]?key/i;

/** Removes secrets from a text. */
export type Redact = (text: string) => string;

/** A secret value and what replaces it (default `MASK`; e.g. a URL may keep its beginning). */
export interface KnownSecret {
  value: string;
  replacement?: string;
}

/** Known values shorter than this are not searched for: replacing every "a" would garble text. */
const MIN_SECRET_LENGTH = 3;

/** `scheme://user:password@`: the user stays readable, the password goes. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;
/** A header that carries credentials, its separator (`: `, `=`, `":"`), an optional scheme, the value. */
const CREDENTIAL_HEADER =
  /\b((?:proxy-)?authorization|api-key|x-api-key|x-insert-key|x-license-key)(["']?\s*[:=]\s*["']?)((?:Bearer|Basic|Token|Digest|Negotiate)\s+)?[^\s"',;}]+/gi;
/** `Bearer <token>` and its kin anywhere in text (a header whose name was cut off, a dumped request). */
const AUTH_SCHEME_TOKEN = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g;
/** `?token=...`, `&apiKey=...`, `;password=...`: a query parameter named like a secret. */
const SECRET_QUERY_PARAMETER = new RegExp(
  `([?&;][\\w.-]*?(?:${SECRET_NAME.source})[\\w.-]*=)[^&#\\s"']+`,
  'gi',
);

/** Removes credentials recognisable by their shape (no known values needed). */
export function redactCredentialShapes(text: string): string {
  // Every log line passes here: a pattern that cannot match (no `@`, no `=`) is not run.
  let out = text.includes('@') ? text.replace(URL_PASSWORD, `$1${MASK}@`) : text;
  // A scheme that is absent ($3) adds nothing.
  out = out.replace(CREDENTIAL_HEADER, `$1$2$3${MASK}`).replace(AUTH_SCHEME_TOKEN, `$1 ${MASK}`);
  return out.includes('=') ? out.replace(SECRET_QUERY_PARAMETER, `$1${MASK}`) : out;
}

/** The forms a value takes inside text: as is, JSON-escaped, URL-encoded. */
function forms(value: string): string[] {
  const all = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  return [...all].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Shortest start of a secret recognised when text was cut right after it. */
const MIN_CUT_PREFIX = 6;
/** How text shows that it was cut: `...`, `…`, possibly after a closing quote, or its end. */
const CUT_MARK = `(?=["']?(?:\\.\\.\\.|…)|$)`;

/** `abcdefgh` → `abcdef(?:g(?:h)?)?`: the secret's first MIN_CUT_PREFIX characters or more. */
function prefixPattern(value: string): string {
  let tail = '';
  for (let i = value.length - 1; i >= MIN_CUT_PREFIX; i--) tail = `(?:${escapeRegExp(value[i]!)}${tail})?`;
  return escapeRegExp(value.slice(0, MIN_CUT_PREFIX)) + tail;
}

/**
 * A redactor for these known secret values, plus the credential shapes. Build it once the
 * secrets are final (after command line overrides), and reuse it: the values are compiled
 * into one pattern.
 *
 * Text that someone else cut (a parser quoting the first characters of an answer, a server
 * shortening its message) may end in the first characters of a secret; those are removed too
 * when the cut is visible (`...`, `…`, or the end of the text) and at least six characters long.
 */
export function createRedactor(secrets: Iterable<string | KnownSecret> = []): Redact {
  const replacementOf = new Map<string, string>();
  for (const secret of secrets) {
    const { value, replacement = MASK } = typeof secret === 'string' ? { value: secret } : secret;
    for (const form of forms(value)) if (!replacementOf.has(form)) replacementOf.set(form, replacement);
  }
  // Longest first, so that a secret containing another one is replaced whole.
  const known = [...replacementOf.keys()].sort((a, b) => b.length - a.length);
  if (known.length === 0) return redactCredentialShapes;
  const pattern = new RegExp(known.map(escapeRegExp).join('|'), 'g');
  const cutAfter = known.filter((form) => form.length > MIN_CUT_PREFIX && replacementOf.get(form) === MASK);
  const cut =
    cutAfter.length > 0
      ? new RegExp(`(?:${cutAfter.map(prefixPattern).join('|')})${CUT_MARK}`, 'g')
      : undefined;
  return (text) => {
    const known = text.replace(pattern, (hit) => replacementOf.get(hit) ?? MASK);
    return redactCredentialShapes(cut ? known.replace(cut, MASK) : known);
  };
}

/**
 * The start of `text` (at most `maxChars`, then `…`) for an error message. Redaction comes
 * first, so that a cut can never leave the beginning of a secret behind.
 */
export function redactedExcerpt(redact: Redact, text: string, maxChars: number): string {
  const clean = redact(text);
  return clean.length > maxChars ? `${clean.slice(0, maxChars)}…` : clean;
}
