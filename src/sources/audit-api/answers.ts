/**
 * Every answer of the audit API (docs/reference/audit-api.md#answers), with upstream's status
 * codes and JSON bodies, so that the extension behaves the same against this implementation.
 * The body's key order is upstream's: status, receivedAt, outcome, reason, details.
 */
import type { ServerResponse } from 'node:http';

export type Outcome = 'processed' | 'dropped' | 'error';

export interface Answer {
  status: number;
  outcome: Outcome;
  reason?: string;
  details?: unknown;
}

export const ANSWERS = {
  accepted: { status: 202, outcome: 'processed' },
  parserError: (status: 400 | 413 | 415): Answer => ({
    status,
    outcome: 'error',
    reason: 'An unexpected error occurred',
  }),
  refused: (message: string): Answer => ({
    status: 400,
    outcome: 'dropped',
    reason: 'Body refused',
    details: { errors: [{ message }] },
  }),
  schema: (error: unknown): Answer => ({
    status: 400,
    outcome: 'dropped',
    reason: 'Schema validation failed',
    details: { errors: [error] },
  }),
  unauthorized: { status: 401, outcome: 'dropped', reason: 'Unauthorized' },
  constraints: (errors: unknown[]): Answer => ({
    status: 422,
    outcome: 'dropped',
    reason: 'One or more constraint violations',
    details: { errors },
  }),
  incompatible: (details: unknown): Answer => ({
    status: 422,
    outcome: 'dropped',
    reason: 'Incompatible Audit.qs version',
    details,
  }),
  payload: (errors: unknown[]): Answer => ({
    status: 422,
    outcome: 'dropped',
    reason: 'Payload validation failed',
    details: { errors },
  }),
  httpRateLimited: { status: 429, outcome: 'dropped', reason: 'Rate limit exceeded' },
  queueRateLimited: {
    status: 429,
    outcome: 'dropped',
    reason: 'Rate limit exceeded',
    details: { retryAfter: 60 },
  },
  queueFull: { status: 503, outcome: 'dropped', reason: 'Event queue is full' },
  notStored: { status: 503, outcome: 'dropped', reason: 'Event could not be stored' },
  internal: { status: 500, outcome: 'error', reason: 'Internal error while processing event' },
} as const satisfies Record<string, Answer | ((...args: never[]) => Answer)>;

export function answerBody(answer: Answer, now = new Date()): string {
  const body: Record<string, unknown> = {
    status: answer.status >= 400 ? 'error' : 'accepted',
    receivedAt: now.toISOString(),
    outcome: answer.outcome,
  };
  if (answer.reason !== undefined) body.reason = answer.reason;
  if (answer.details !== undefined) body.details = answer.details;
  return JSON.stringify(body);
}

/** Sends a JSON answer (headers already set on `res` are kept). */
export function sendJson(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

export function send(res: ServerResponse, answer: Answer): void {
  sendJson(res, answer.status, answerBody(answer));
}

/** The web framework's own 404 body, as upstream answers unknown routes. */
export function sendNotFound(res: ServerResponse, method: string, url: string): void {
  const body = JSON.stringify({
    message: `Route ${method}:${url} not found`,
    error: 'Not Found',
    statusCode: 404,
  });
  sendJson(res, 404, body);
}
