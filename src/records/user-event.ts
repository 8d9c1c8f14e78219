/**
 * User activity events received over UDP (docs/reference/udp-events.md#user-activity-events):
 * session start/stop and connection open/close, sent by the proxy service's log appenders.
 */
import type { EventTiming } from './log-event.ts';

export type UserEventMessageType = 'qseow-proxy-session' | 'qseow-proxy-connection';

/**
 * The four user-agent values destinations use (docs/reference/udp-events.md#user-agent-parsing);
 * absent when unknown.
 */
export interface UserAgentInfo {
  /** The user-agent string as extracted from the message (quotes removed, trimmed). */
  ua: string;
  browserName?: string;
  browserMajor?: string;
  osName?: string;
  osVersion?: string;
}

export interface UserEventRecord extends EventTiming {
  kind: 'user-event';
  messageType: UserEventMessageType;
  host: string;
  /** `Start session`, `Stop session`, `Open connection`, `Close connection`. */
  command: string;
  user_directory: string;
  user_id: string;
  origin: string;
  context: string;
  /** The proxy's log message; may contain semicolons. */
  message: string;
  /** `<user_directory>\<user_id>`, or "" when either is empty. */
  user_full: string;
  /** App GUID from a `/app/<guid>` context. */
  appId?: string;
  /** Name from the app-name table, or `<unknown app name>`; present whenever `appId` is. */
  appName?: string;
  /** Present when the message carries a `UserAgent:` part. */
  ua?: UserAgentInfo;
}

export type UserEventRejection = 'empty' | 'unknown_marker' | 'too_few_fields' | 'excluded_user';
