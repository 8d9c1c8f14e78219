/**
 * Pure builders of the UDP datagrams Qlik Sense sends to Butler SOS, one per log4net
 * appender layout of the `LocalLogConfig.xml` files
 * (docs/reference/udp-events.md#sense-log-appenders), and of every malformed or odd kind listed
 * in docs/reference/udp-events.md#edge-cases-and-bad-input. Other tests use them to craft
 * events; the simulator's emitter uses them to produce traffic.
 *
 * Each layout is a list of (conversion token, field name). The tokens are written exactly as
 * in the appender XML so a test can compare them with the appender files; a datagram is the
 * field values joined with `;`, no escaping and no trailing newline, as log4net sends it.
 */

interface LayoutEntry<F> {
  token: string;
  field: keyof F & string;
}

function layoutOf<F>(marker: string, entries: [token: string, field: keyof F & string][]): Layout<F> {
  return { marker, entries: entries.map(([token, field]) => ({ token, field })) };
}

export interface Layout<F> {
  /** The literal first token, e.g. `/qseow-engine/`. */
  marker: string;
  /** The tokens after the marker, in order. */
  entries: LayoutEntry<F>[];
}

/** The full conversion pattern, as written in the appender XML. */
export function conversionPattern(layout: { marker: string; entries: readonly { token: string }[] }): string {
  return [layout.marker, ...layout.entries.map((e) => e.token)].join(';');
}

function render<F>(layout: Layout<F>, fields: F): string {
  let out = layout.marker;
  for (const entry of layout.entries) out += `;${String(fields[entry.field])}`;
  return out;
}

// ---------------------------------------------------------------------------------------
// Time formats used by the layouts
// ---------------------------------------------------------------------------------------

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function offsetText(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** Qlik's `%longIso8601date`: local time, compact ISO-8601 with offset, `YYYYMMDDThhmmss.fff±hhmm`. */
export function longIso8601Date(date: Date): string {
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}T` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    offsetText(date)
  );
}

/** log4net's `%date`: local time `yyyy-MM-dd HH:mm:ss,fff`. */
export function log4netDate(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())},${pad(date.getMilliseconds(), 3)}`
  );
}

// ---------------------------------------------------------------------------------------
// Log events (port 9996)
// ---------------------------------------------------------------------------------------

/** The tokens shared by the head of every log-event layout. */
interface LogHead {
  /** `%rownum{9999}`: per-appender counter 1..9999. */
  rownum: number | string;
  /** `%longIso8601date`. */
  isoDate: string;
  /** `%date`. */
  localDate: string;
  /** `%level`. */
  level: string;
  /** `%hostname`. */
  hostname: string;
  /** `%logger`. */
  logger: string;
  /** `%user`: the Windows account running the service. */
  serviceUser: string;
}

const HEAD: [string, keyof LogHead][] = [
  ['%rownum{9999}', 'rownum'],
  ['%longIso8601date', 'isoDate'],
  ['%date', 'localDate'],
  ['%level', 'level'],
  ['%hostname', 'hostname'],
  ['%logger', 'logger'],
  ['%user', 'serviceUser'],
];

export interface EngineLogFields extends LogHead {
  message: string;
  proxySessionId: string;
  activeUserDirectory: string;
  activeUserId: string;
  engineTimestamp: string;
  processId: string;
  exeVersion: string;
  serverStarted: string;
  entryType: string;
  sessionId: string;
  appId: string;
}

export const ENGINE_LOG_LAYOUT: Layout<EngineLogFields> = layoutOf<EngineLogFields>('/qseow-engine/', [
  ...HEAD,
  ['%encodedmessage', 'message'],
  ['%property{ProxySessionId}', 'proxySessionId'],
  ['%property{ActiveUserDirectory}', 'activeUserDirectory'],
  ['%property{ActiveUserId}', 'activeUserId'],
  ['%property{EngineTimestamp}', 'engineTimestamp'],
  ['%property{ProcessId}', 'processId'],
  ['%property{Exe Version}', 'exeVersion'],
  ['%property{Server Started}', 'serverStarted'],
  ['%property{Entry Type}', 'entryType'],
  ['%property{SessionId}', 'sessionId'],
  ['%property{AppId}', 'appId'],
]);

/** Proxy and repository share one layout (different marker). */
export interface ServiceLogFields extends LogHead {
  message: string;
  exception: string;
  userDirectory: string;
  userId: string;
  command: string;
  result: string;
  origin: string;
  context: string;
}

const SERVICE_ENTRIES: [string, keyof ServiceLogFields][] = [
  ...HEAD,
  ['%encodedmessage', 'message'],
  ['%encodedexception', 'exception'],
  ['%property{UserDirectory}', 'userDirectory'],
  ['%property{UserId}', 'userId'],
  ['%property{Command}', 'command'],
  ['%property{Result}', 'result'],
  ['%property{Origin}', 'origin'],
  ['%property{Context}', 'context'],
];

export const PROXY_LOG_LAYOUT: Layout<ServiceLogFields> = layoutOf<ServiceLogFields>(
  '/qseow-proxy/',
  SERVICE_ENTRIES,
);
export const REPOSITORY_LOG_LAYOUT: Layout<ServiceLogFields> = layoutOf<ServiceLogFields>(
  '/qseow-repository/',
  SERVICE_ENTRIES,
);

export interface SchedulerLogFields extends LogHead {
  message: string;
  exception: string;
  userDirectory: string;
  userId: string;
  /** `%property{User}`: `DIR\user`, filled by some events instead of directory/id. */
  user: string;
  taskName: string;
  appName: string;
  taskId: string;
  appId: string;
  executionId: string;
}

export const SCHEDULER_LOG_LAYOUT: Layout<SchedulerLogFields> = layoutOf<SchedulerLogFields>(
  '/qseow-scheduler/',
  [
    ...HEAD,
    ['%encodedmessage', 'message'],
    ['%encodedexception', 'exception'],
    ['%property{UserDirectory}', 'userDirectory'],
    ['%property{UserId}', 'userId'],
    ['%property{User}', 'user'],
    ['%property{TaskName}', 'taskName'],
    ['%property{AppName}', 'appName'],
    ['%property{TaskId}', 'taskId'],
    ['%property{AppId}', 'appId'],
    ['%property{ExecutionId}', 'executionId'],
  ],
);

export interface QixPerfFields extends LogHead {
  /** `0` for activity without a proxy session (e.g. a scheduled reload). */
  proxySessionId: string;
  activeUserDirectory: string;
  activeUserId: string;
  engineTimestamp: string;
  sessionId: string;
  docId: string;
  requestId: number | string;
  method: string;
  processTime: number | string;
  workTime: number | string;
  lockTime: number | string;
  validateTime: number | string;
  traverseTime: number | string;
  handle: number | string;
  objectId: string;
  netRam: number | string;
  peakRam: number | string;
  objectType: string;
}

export const QIX_PERF_LAYOUT: Layout<QixPerfFields> = layoutOf<QixPerfFields>('/qseow-qix-perf/', [
  ...HEAD,
  ['%property{ProxySessionId}', 'proxySessionId'],
  ['%property{ActiveUserDirectory}', 'activeUserDirectory'],
  ['%property{ActiveUserId}', 'activeUserId'],
  ['%property{EngineTimestamp}', 'engineTimestamp'],
  ['%property{SessionId}', 'sessionId'],
  ['%property{DocId}', 'docId'],
  ['%property{RequestId}', 'requestId'],
  ['%property{Method}', 'method'],
  ['%property{ProcessTime}', 'processTime'],
  ['%property{WorkTime}', 'workTime'],
  ['%property{LockTime}', 'lockTime'],
  ['%property{ValidateTime}', 'validateTime'],
  ['%property{TraverseTime}', 'traverseTime'],
  ['%property{Handle}', 'handle'],
  ['%property{ObjectId}', 'objectId'],
  ['%property{NetRAM}', 'netRam'],
  ['%property{PeakRAM}', 'peakRam'],
  ['%property{ObjectType}', 'objectType'],
]);

// ---------------------------------------------------------------------------------------
// User events (port 9997)
// ---------------------------------------------------------------------------------------

export interface UserEventFields {
  hostname: string;
  /** `Start session`, `Stop session`, `Open connection`, `Close connection`. */
  command: string;
  userDirectory: string;
  userId: string;
  origin: string;
  context: string;
  /** `%message`: raw text; may contain `;` and a `UserAgent:` part. */
  message: string;
}

const USER_ENTRIES: [string, keyof UserEventFields][] = [
  ['%hostname', 'hostname'],
  ['%property{Command}', 'command'],
  ['%property{UserDirectory}', 'userDirectory'],
  ['%property{UserId}', 'userId'],
  ['%property{Origin}', 'origin'],
  ['%property{Context}', 'context'],
  ['%message', 'message'],
];

export const USER_SESSION_LAYOUT: Layout<UserEventFields> = layoutOf<UserEventFields>(
  '/qseow-proxy-session/',
  USER_ENTRIES,
);
export const USER_CONNECTION_LAYOUT: Layout<UserEventFields> = layoutOf<UserEventFields>(
  '/qseow-proxy-connection/',
  USER_ENTRIES,
);

// ---------------------------------------------------------------------------------------
// Builders with realistic defaults (the project's own example site, as in
// test/fixtures/datagrams/), so a test only states the fields it cares about.
// ---------------------------------------------------------------------------------------

const FREIGHT_APP = '5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301';
const PROXY_SESSION = '4eb7b0dd-b892-41a6-805a-43255831e559';
const HEAD_DEFAULTS: LogHead = {
  rownum: 1207,
  isoDate: '20241105T083015.120+0100',
  localDate: '2024-11-05 08:30:15,120',
  level: 'WARN',
  hostname: 'qsnode-a.northwind.test',
  logger: 'System.Engine.Engine',
  serviceUser: 'NORTHWIND\\svc_qliksense',
};

export function engineLogDatagram(fields: Partial<EngineLogFields> = {}): string {
  return render(ENGINE_LOG_LAYOUT, {
    ...HEAD_DEFAULTS,
    message: `App ${FREIGHT_APP} failed to open: access denied`,
    proxySessionId: PROXY_SESSION,
    activeUserDirectory: 'NORTHWIND',
    activeUserId: 'lina.berg',
    engineTimestamp: '2024-11-05T07:30:15.120Z',
    processId: '6f611b41-f446-4111-9587-7a0b466e2eeb',
    exeVersion: '14.173.3',
    serverStarted: '20241101T053044.812+0100',
    entryType: 'Error',
    sessionId: '55707fb7-8347-4d98-bd72-df3231e725ce',
    appId: FREIGHT_APP,
    ...fields,
  });
}

const SERVICE_DEFAULTS: Omit<ServiceLogFields, keyof LogHead> = {
  message: "Access denied for user 'NORTHWIND\\okafor'",
  exception: '',
  userDirectory: 'NORTHWIND',
  userId: 'okafor',
  command: 'Authenticate user',
  result: '403',
  origin: 'AppAccess',
  context: '/hub/',
};

export function proxyLogDatagram(fields: Partial<ServiceLogFields> = {}): string {
  return render(PROXY_LOG_LAYOUT, {
    ...HEAD_DEFAULTS,
    logger: 'Audit.Proxy.Proxy.Core.Authorization.AccessControl',
    ...SERVICE_DEFAULTS,
    ...fields,
  });
}

export function repositoryLogDatagram(fields: Partial<ServiceLogFields> = {}): string {
  return render(REPOSITORY_LOG_LAYOUT, {
    ...HEAD_DEFAULTS,
    hostname: 'qscentral.northwind.test',
    logger: 'System.Repository.Repository.Licensing',
    ...SERVICE_DEFAULTS,
    message: 'License will expire in 14 days',
    userDirectory: 'INTERNAL',
    userId: 'sa_repository',
    command: 'Check license',
    result: '0',
    origin: 'Not available',
    context: '/qrs/license',
    ...fields,
  });
}

export function schedulerLogDatagram(fields: Partial<SchedulerLogFields> = {}): string {
  return render(SCHEDULER_LOG_LAYOUT, {
    ...HEAD_DEFAULTS,
    level: 'ERROR',
    hostname: 'qscentral.northwind.test',
    logger: 'System.Scheduler.Scheduler.Slave.Tasks.ReloadTask',
    message: 'Reload failed: the engine reported a script error',
    exception: '',
    userDirectory: 'NORTHWIND',
    userId: 'lina.berg',
    user: '',
    taskName: 'Reload of Freight costs 2025',
    appName: 'Freight costs 2025',
    taskId: '5de8fa40-d0f1-4e00-bf91-f66afea1cd67',
    appId: FREIGHT_APP,
    executionId: 'df159337-f136-489a-bfb8-c000f136e578',
    ...fields,
  });
}

export function qixPerfDatagram(fields: Partial<QixPerfFields> = {}): string {
  return render(QIX_PERF_LAYOUT, {
    ...HEAD_DEFAULTS,
    rownum: 5130,
    level: 'INFO',
    logger: 'QixPerformance.Engine.Engine',
    proxySessionId: PROXY_SESSION,
    activeUserDirectory: 'NORTHWIND',
    activeUserId: 'lina.berg',
    engineTimestamp: '2024-11-05T07:30:41.875Z',
    sessionId: '3b5da00f-8889-4407-b7bf-f52972c369f4',
    docId: FREIGHT_APP,
    requestId: 204,
    method: 'GenericObject::GetLayout',
    processTime: 187.25,
    workTime: 183.5,
    lockTime: 0.75,
    validateTime: 2.1,
    traverseTime: 0.9,
    handle: 23,
    objectId: 'Qm7rTz',
    netRam: 393216,
    peakRam: 917504,
    objectType: 'linechart',
    ...fields,
  });
}

const USER_DEFAULTS: UserEventFields = {
  hostname: 'qsnode-a.northwind.test',
  command: 'Start session',
  userDirectory: 'NORTHWIND',
  userId: 'lina.berg',
  origin: 'AppAccess',
  context: `/app/${FREIGHT_APP}`,
  message: "Start session for user 'NORTHWIND\\lina.berg'",
};

/** A session start/stop event (appender `EventSession`). */
export function userSessionDatagram(fields: Partial<UserEventFields> = {}): string {
  return render(USER_SESSION_LAYOUT, { ...USER_DEFAULTS, ...fields });
}

/** A connection open/close event (appender `EventConnection`). */
export function userConnectionDatagram(fields: Partial<UserEventFields> = {}): string {
  return render(USER_CONNECTION_LAYOUT, {
    ...USER_DEFAULTS,
    command: 'Open connection',
    message: "Websocket connection Opened for session 'f6147cfc-ab15-49c0-bc9d-11d0b3cd0eea'",
    ...fields,
  });
}

// ---------------------------------------------------------------------------------------
// Malformed and odd datagrams (docs/reference/udp-events.md#edge-cases-and-bad-input). Each
// kind cites the section that describes the rule it exercises.
// ---------------------------------------------------------------------------------------

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/**
 * Invalid UTF-8 bytes (a lone continuation byte and a truncated sequence) inside a message
 * (docs/reference/udp-events.md#transport-edge-cases).
 */
function withInvalidUtf8(text: string, marker: string): Buffer {
  const [head, tail] = [
    text.slice(0, text.indexOf(marker)),
    text.slice(text.indexOf(marker) + marker.length),
  ];
  return Buffer.concat([enc(head), Buffer.from([0x80, 0xc3, 0x28, 0xe2, 0x82]), enc(tail)]);
}

export const MALFORMED_LOG_BUILDERS = {
  /** docs/reference/udp-events.md#log-event-edge-cases: 9 fields instead of 19. */
  tooFewFields: () => enc('/QSEOW-ENGINE/;7;t;l;WARN;host;subsystem;user;message'),
  /** docs/reference/udp-events.md#log-event-edge-cases: extra fields after a complete proxy event. */
  tooManyFields: () => enc(`${proxyLogDatagram()};extra;fields`),
  /**
   * docs/reference/udp-events.md#log-event-edge-cases: a `;` inside an engine message shifts every
   * later field.
   */
  semicolonInMessage: () =>
    enc(
      engineLogDatagram({
        rownum: 0,
        message: 'Semicolon; inside message',
        engineTimestamp: 't',
        serverStarted: 's',
      }),
    ),
  /** docs/reference/udp-events.md#log-event-edge-cases: marker without slashes (rejected). */
  markerWithoutSlashes: () => enc('qseow-engine;12;y'),
  /** docs/reference/udp-events.md#log-event-edge-cases: unknown marker (dropped). */
  unknownMarker: () => enc(engineLogDatagram().replace('/qseow-engine/', '/qseow-printing/')),
  /** docs/reference/udp-events.md#log-event-edge-cases: marker with surrounding whitespace (rejected). */
  markerWithWhitespace: () => enc(` ${engineLogDatagram()}`),
  /**
   * docs/reference/udp-events.md#log-event-edge-cases: a user-event marker sent to the log port
   * (rejected).
   */
  userMarkerOnLogPort: () => enc(userSessionDatagram()),
  /** docs/reference/udp-events.md#log-event-edge-cases: non-numeric row number, too few fields. */
  nonNumericRownum: () => enc('/qseow-proxy/;n/a;;;WARN;qsnode-b.northwind.test'),
  /**
   * docs/reference/udp-events.md#log-event-edge-cases: negative row number (kept by the scheduler
   * parser), too few fields.
   */
  negativeRownum: () =>
    enc(
      '/qseow-scheduler/;-7;;;ERROR;qscentral.northwind.test;System.Scheduler;NORTHWIND\\svc_qliksense;Task refused',
    ),
  /**
   * docs/reference/udp-events.md#log-event-edge-cases: upper-case and braced GUIDs, which the
   * log-event UUID rule rejects.
   */
  upperCaseGuids: () =>
    enc(
      engineLogDatagram({
        proxySessionId: PROXY_SESSION.toUpperCase(),
        appId: `{${FREIGHT_APP}}`,
      }),
    ),
  /**
   * docs/reference/udp-events.md#log-event-edge-cases: a custom appender adding `%newline`; the
   * trailing UUID then fails validation.
   */
  trailingNewline: () => enc(`${schedulerLogDatagram()}\r\n`),
  /** docs/reference/udp-events.md#log-event-edge-cases: control characters inside text fields. */
  controlCharacters: () =>
    enc(proxyLogDatagram({ message: 'Bell\u0007 and tab\t and escape\u001b[31m red' })),
  /**
   * docs/reference/udp-events.md#log-event-edge-cases: message longer than the 1000-character
   * sanitiser limit.
   */
  overlongMessage: () => enc(repositoryLogDatagram({ message: `Long message ${'x'.repeat(1500)}` })),
  /** docs/reference/udp-events.md#log-event-edge-cases: log4net's `(null)` for unset properties. */
  nullProperties: () =>
    enc(
      engineLogDatagram({
        proxySessionId: '(null)',
        activeUserDirectory: '(null)',
        activeUserId: '(null)',
        sessionId: '(null)',
        appId: '(null)',
      }),
    ),
  /**
   * docs/reference/udp-events.md#log-event-edge-cases: scheduler `%property{User}` without a
   * backslash while directory and id are empty.
   */
  schedulerUserWithoutBackslash: () =>
    enc(schedulerLogDatagram({ userDirectory: '', userId: '', user: 'lina.berg' })),
  /** docs/reference/udp-events.md#log-event-edge-cases: only the user directory present, no user id. */
  halfUser: () => enc(proxyLogDatagram({ userDirectory: 'NORTHWIND', userId: '' })),
  /**
   * docs/reference/udp-events.md#log-event-edge-cases: qix-perf with numbers in every position,
   * including non-UUID ids.
   */
  qixPerfPlaceholderValues: () =>
    enc(`/qseow-qix-perf/;${Array.from({ length: 25 }, (_, i) => 100 + 3 * i).join(';')}`),
  /**
   * docs/reference/udp-events.md#log-event-edge-cases: qix-perf with nothing parsable (times NaN,
   * ids default).
   */
  qixPerfUnparsableNumbers: () => enc('/qseow-qix-perf/;n/a'),
  /** docs/reference/udp-events.md#transport-edge-cases: invalid UTF-8 bytes in the message. */
  invalidUtf8: () => withInvalidUtf8(engineLogDatagram({ message: 'Bad bytes: @@ here' }), '@@'),
  /** docs/reference/udp-events.md#transport-edge-cases: an empty datagram. */
  emptyDatagram: () => Buffer.alloc(0),
  /**
   * docs/reference/udp-events.md#transport-edge-cases: a datagram far beyond any sensible
   * `maxMessageSize` (60 000 bytes).
   */
  oversize: () => enc(engineLogDatagram({ message: `Huge ${'y'.repeat(60_000)}` })),
} satisfies Record<string, () => Buffer>;

export type MalformedLogKind = keyof typeof MALFORMED_LOG_BUILDERS;
export const MALFORMED_LOG_KINDS = Object.keys(MALFORMED_LOG_BUILDERS) as MalformedLogKind[];

export const MALFORMED_USER_BUILDERS = {
  /**
   * docs/reference/udp-events.md#user-event-edge-cases: marker without slashes (accepted), context
   * without leading slash (no app).
   */
  markerWithoutSlashes: () =>
    enc(
      userSessionDatagram({ context: `app/${FREIGHT_APP}` }).replace(
        '/qseow-proxy-session/',
        'qseow-proxy-session',
      ),
    ),
  /**
   * docs/reference/udp-events.md#user-event-edge-cases: the marker of an upstream docs page that
   * the parser rejects.
   */
  unknownMarker: () => enc(userSessionDatagram().replace('/qseow-proxy-session/', '/proxy-user-event/')),
  /** docs/reference/udp-events.md#user-event-edge-cases: only two fields. */
  tooFewFields: () => enc('/qseow-proxy-session/;qsnode-b.northwind.test'),
  /**
   * docs/reference/udp-events.md#user-event-edge-cases: upper-case GUID with a path after it, empty
   * user agent.
   */
  oddContextAndEmptyUserAgent: () =>
    enc(
      userConnectionDatagram({
        context: `/app/${FREIGHT_APP.toUpperCase()}/sheet/Jqv7mR`,
        message: 'UserAgent: ',
      }),
    ),
  /**
   * docs/reference/udp-events.md#user-event-edge-cases: semicolons inside the message (kept:
   * everything after field 6 is the message).
   */
  semicolonsInMessage: () =>
    enc(
      userSessionDatagram({
        command: 'Stop session',
        message: "Stop session for user 'NORTHWIND\\lina.berg'; reason: logout; open tabs: 2",
      }),
    ),
  /**
   * docs/reference/udp-events.md#user-event-edge-cases: two `UserAgent:` markers; only the text up
   * to the second is used.
   */
  multipleUserAgents: () =>
    enc(
      userSessionDatagram({
        message:
          "Start session for user 'NORTHWIND\\lina.berg' UserAgent: 'Mozilla/5.0 (X11; Linux x86_64)' UserAgent: 'curl/8.5'",
      }),
    ),
  /**
   * docs/reference/udp-events.md#user-event-edge-cases: empty host and origin (the event counter
   * refuses them).
   */
  emptyHostAndOrigin: () => enc(userConnectionDatagram({ hostname: '', origin: '' })),
  /** docs/reference/udp-events.md#transport-edge-cases: invalid UTF-8 in the message. */
  invalidUtf8: () =>
    withInvalidUtf8(userSessionDatagram({ message: "Start session for user 'NORTHWIND\\@@'" }), '@@'),
  /** docs/reference/udp-events.md#transport-edge-cases: an empty datagram. */
  emptyDatagram: () => Buffer.alloc(0),
} satisfies Record<string, () => Buffer>;

export type MalformedUserKind = keyof typeof MALFORMED_USER_BUILDERS;
export const MALFORMED_USER_KINDS = Object.keys(MALFORMED_USER_BUILDERS) as MalformedUserKind[];

export function malformedLogDatagram(kind: MalformedLogKind): Buffer {
  return MALFORMED_LOG_BUILDERS[kind]();
}

export function malformedUserDatagram(kind: MalformedUserKind): Buffer {
  return MALFORMED_USER_BUILDERS[kind]();
}
