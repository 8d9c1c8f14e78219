/**
 * Pure builders of the UDP datagrams Qlik Sense sends to Butler SOS, one per log4net
 * appender layout of the `LocalLogConfig.xml` files (reference sense-inputs.md §8–§9), and of
 * every malformed or odd kind listed in §13. Other tests use them to craft events; the
 * simulator's emitter uses them to produce traffic.
 *
 * Each layout is a list of (conversion token, field name). The tokens are written exactly as
 * in the appender XML so a test can compare them with the fixture files; a datagram is the
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
// Builders with realistic defaults (taken from the reference's constructed examples), so a
// test only states the fields it cares about.
// ---------------------------------------------------------------------------------------

const SALES_APP = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const HEAD_DEFAULTS: LogHead = {
  rownum: 1234,
  isoDate: '20250314T101512.345+0100',
  localDate: '2025-03-14 10:15:12,345',
  level: 'WARN',
  hostname: 'sense-node1',
  logger: 'System.Engine.Engine',
  serviceUser: 'CORP\\qlikservice',
};

export function engineLogDatagram(fields: Partial<EngineLogFields> = {}): string {
  return render(ENGINE_LOG_LAYOUT, {
    ...HEAD_DEFAULTS,
    message: `Document '${SALES_APP}' could not be opened: access denied`,
    proxySessionId: '6c0c8f27-8f61-4d7f-9d1e-2b7c1f5a9e10',
    activeUserDirectory: 'CORP',
    activeUserId: 'anna',
    engineTimestamp: '2025-03-14T09:15:12.345Z',
    processId: '0b6e5a3c-2d1f-4e8a-9c7b-5a4d3e2f1a0b',
    exeVersion: '14.187.4',
    serverStarted: '20250310T060001.000+0100',
    entryType: 'Error',
    sessionId: '4f9a1c2e-7b3d-4e5f-8a6b-1c2d3e4f5a6b',
    appId: SALES_APP,
    ...fields,
  });
}

const SERVICE_DEFAULTS: Omit<ServiceLogFields, keyof LogHead> = {
  message: "Access was denied for User: 'CORP\\peter'",
  exception: '',
  userDirectory: 'CORP',
  userId: 'peter',
  command: 'Authenticate user',
  result: '403',
  origin: 'AppAccess',
  context: '/hub/',
};

export function proxyLogDatagram(fields: Partial<ServiceLogFields> = {}): string {
  return render(PROXY_LOG_LAYOUT, {
    ...HEAD_DEFAULTS,
    logger: 'Audit.Proxy.Proxy.SessionEstablishment.Authentication.AuthenticationHandler',
    ...SERVICE_DEFAULTS,
    ...fields,
  });
}

export function repositoryLogDatagram(fields: Partial<ServiceLogFields> = {}): string {
  return render(REPOSITORY_LOG_LAYOUT, {
    ...HEAD_DEFAULTS,
    hostname: 'sense-central',
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
    hostname: 'sense-central',
    logger: 'System.Scheduler.Scheduler.Slave.Tasks.ReloadTask',
    message: 'Message from ReloadProvider: Reload failed in Engine. Check engine or script logs.',
    exception: '',
    userDirectory: 'CORP',
    userId: 'anna',
    user: '',
    taskName: 'Reload of Sales dashboard',
    appName: 'Sales dashboard',
    taskId: '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
    appId: SALES_APP,
    executionId: '3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b',
    ...fields,
  });
}

export function qixPerfDatagram(fields: Partial<QixPerfFields> = {}): string {
  return render(QIX_PERF_LAYOUT, {
    ...HEAD_DEFAULTS,
    rownum: 3021,
    level: 'INFO',
    logger: 'QixPerformance.Engine.Engine',
    proxySessionId: '6c0c8f27-8f61-4d7f-9d1e-2b7c1f5a9e10',
    activeUserDirectory: 'CORP',
    activeUserId: 'anna',
    engineTimestamp: '2025-03-14T09:15:30.500Z',
    sessionId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
    docId: SALES_APP,
    requestId: 118,
    method: 'GenericObject::GetLayout',
    processTime: 231.5,
    workTime: 228.9,
    lockTime: 0.4,
    validateTime: 1.2,
    traverseTime: 0.8,
    handle: 17,
    objectId: 'JxbPqK',
    netRam: 524288,
    peakRam: 1048576,
    objectType: 'barchart',
    ...fields,
  });
}

const USER_DEFAULTS: UserEventFields = {
  hostname: 'sense-node1',
  command: 'Start session',
  userDirectory: 'CORP',
  userId: 'anna',
  origin: 'AppAccess',
  context: `/app/${SALES_APP}`,
  message: "Start session for user 'CORP\\anna'",
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
    message: "Websocket connection Opened for session 'd0c1b2a3-9f8e-4d7c-8b6a-5f4e3d2c1b0a'",
    ...fields,
  });
}

// ---------------------------------------------------------------------------------------
// Malformed and odd datagrams (reference §13). Each kind names the §13 item it exercises.
// Where the reference's constructed fixtures hold an example, the builder reproduces it.
// ---------------------------------------------------------------------------------------

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Invalid UTF-8 bytes (a lone continuation byte and a truncated sequence) inside a message (§13 #33). */
function withInvalidUtf8(text: string, marker: string): Buffer {
  const [head, tail] = [
    text.slice(0, text.indexOf(marker)),
    text.slice(text.indexOf(marker) + marker.length),
  ];
  return Buffer.concat([enc(head), Buffer.from([0x80, 0xc3, 0x28, 0xe2, 0x82]), enc(tail)]);
}

export const MALFORMED_LOG_BUILDERS = {
  /** §13 #41 (+ #39 upper-case marker, accepted): 9 fields instead of 19. */
  tooFewFields: () => enc('/QSEOW-ENGINE/;1;x;y;WARN;h;s;u;m'),
  /** §13 #42: extra fields after a complete proxy event. */
  tooManyFields: () => enc(`${proxyLogDatagram()};extra;fields`),
  /** §13 #43: a `;` inside an engine message shifts every later field. */
  semicolonInMessage: () =>
    enc(
      engineLogDatagram({
        rownum: 0,
        message: 'Semicolon; inside message',
        engineTimestamp: 't',
        serverStarted: 's',
      }),
    ),
  /** §13 #39: marker without slashes (rejected). */
  markerWithoutSlashes: () => enc('qseow-engine;1;x'),
  /** §13 #38: unknown marker (dropped). */
  unknownMarker: () => enc(engineLogDatagram().replace('/qseow-engine/', '/qseow-printing/')),
  /** §13 #39: marker with surrounding whitespace (rejected). */
  markerWithWhitespace: () => enc(` ${engineLogDatagram()}`),
  /** §13 #40: a user-event marker sent to the log port (rejected). */
  userMarkerOnLogPort: () => enc('/qseow-proxy-session/;host;Start session;D;U;o;c;m'),
  /** §13 #44 + #41: non-numeric row number, too few fields. */
  nonNumericRownum: () => enc('/qseow-proxy/;abc;;;WARN;h'),
  /** §13 #44 + #41: negative row number (kept by the scheduler parser), too few fields. */
  negativeRownum: () => enc('/qseow-scheduler/;-5;;;ERROR;h;s;u;Access was denied'),
  /** §13 #46: upper-case and braced GUIDs, which the log-event UUID rule rejects. */
  upperCaseGuids: () =>
    enc(
      engineLogDatagram({
        proxySessionId: '6C0C8F27-8F61-4D7F-9D1E-2B7C1F5A9E10',
        appId: `{${SALES_APP}}`,
      }),
    ),
  /** §13 #47: a custom appender adding `%newline`; the trailing UUID then fails validation. */
  trailingNewline: () => enc(`${schedulerLogDatagram()}\r\n`),
  /** §13 #48: control characters inside text fields. */
  controlCharacters: () =>
    enc(proxyLogDatagram({ message: 'Bell\u0007 and tab\t and escape\u001b[31m red' })),
  /** §13 #48: message longer than the 1000-character sanitiser limit. */
  overlongMessage: () => enc(repositoryLogDatagram({ message: `Long message ${'x'.repeat(1500)}` })),
  /** §13 #49: log4net's `(null)` for unset properties. */
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
  /** §13 #50: scheduler `%property{User}` without a backslash while directory and id are empty. */
  schedulerUserWithoutBackslash: () =>
    enc(schedulerLogDatagram({ userDirectory: '', userId: '', user: 'anna' })),
  /** §13 #51: only the user directory present, no user id. */
  halfUser: () => enc(proxyLogDatagram({ userDirectory: 'CORP', userId: '' })),
  /** §13 #52: qix-perf with numbers in every position, including non-UUID ids. */
  qixPerfPlaceholderValues: () =>
    enc('/qseow-qix-perf/;1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;21;22;23;24;25'),
  /** §13 #52: qix-perf with nothing parsable (times NaN, ids default). */
  qixPerfUnparsableNumbers: () => enc('/qseow-qix-perf/;x'),
  /** §13 #33: invalid UTF-8 bytes in the message. */
  invalidUtf8: () => withInvalidUtf8(engineLogDatagram({ message: 'Bad bytes: @@ here' }), '@@'),
  /** §13 #34: an empty datagram. */
  emptyDatagram: () => Buffer.alloc(0),
  /** §13 #26: a datagram far beyond any sensible `maxMessageSize` (60 000 bytes). */
  oversize: () => enc(engineLogDatagram({ message: `Huge ${'y'.repeat(60_000)}` })),
} satisfies Record<string, () => Buffer>;

export type MalformedLogKind = keyof typeof MALFORMED_LOG_BUILDERS;
export const MALFORMED_LOG_KINDS = Object.keys(MALFORMED_LOG_BUILDERS) as MalformedLogKind[];

export const MALFORMED_USER_BUILDERS = {
  /** §13 #65 + #69: marker without slashes (accepted), context without leading slash (no app). */
  markerWithoutSlashes: () =>
    enc(`qseow-proxy-session;sense-node1;Start session;CORP;x;o;app/${SALES_APP};m`),
  /** §13 #64: the marker of an upstream docs page that the parser rejects. */
  unknownMarker: () => enc('/proxy-user-event/;sense-node1;Start session;CORP;x;o;c;m'),
  /** §13 #66: only two fields. */
  tooFewFields: () => enc('/qseow-proxy-session/;sense-node1'),
  /** §13 #69 + #70 + #72: upper-case GUID with a path after it, empty user agent. */
  oddContextAndEmptyUserAgent: () =>
    enc(
      '/qseow-proxy-connection/;h;Open connection;D;U;o;/app/A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D/sheet/abc;UserAgent: ',
    ),
  /** §13 #67: semicolons inside the message (kept: everything after field 6 is the message). */
  semicolonsInMessage: () =>
    enc(
      userSessionDatagram({
        command: 'Stop session',
        message: "Stop session for user 'CORP\\anna'; reason: a; b; c",
      }),
    ),
  /** §13 #72: two `UserAgent:` markers; only the text up to the second is used. */
  multipleUserAgents: () =>
    enc(
      userSessionDatagram({
        message:
          "Start session for user 'CORP\\anna' UserAgent: 'Mozilla/5.0 (X11; Linux x86_64)' UserAgent: 'curl/8.5'",
      }),
    ),
  /** §13 #73: empty host and origin (the event counter refuses them). */
  emptyHostAndOrigin: () => enc(userConnectionDatagram({ hostname: '', origin: '' })),
  /** §13 #33: invalid UTF-8 in the message. */
  invalidUtf8: () =>
    withInvalidUtf8(userSessionDatagram({ message: "Start session for user 'CORP\\@@'" }), '@@'),
  /** §13 #34: an empty datagram. */
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
