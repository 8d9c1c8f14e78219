/**
 * The screenshot part of the audit API's section (`auditEvents.destination.screenshots`):
 * where images of screenshot.url.received events are downloaded from, how the downloads
 * authenticate (none, a ticket for a fixed user, a ticket for the event's user) and where the
 * files go. Composed into the section by ../config.ts.
 */
import { z } from 'zod';
import { bool, count, list, port, section, str } from '../../../config/kit/fields.ts';

const screenshotAuth = section(
  {
    mode: z
      .enum(['none', 'qpsTicket', 'userTicket'])
      .default('none')
      .describe('none, qpsTicket (a fixed user) or userTicket (the user of the event).'),
    qps: section(
      {
        host: str('', 'Qlik Sense proxy (QPS) host for ticket requests.'),
        port: port(4243, 'QPS port.'),
        userDirectory: str('', 'User directory of the qpsTicket user.'),
        userId: str('', 'User id of the qpsTicket user.'),
        virtualProxy: str('', 'Virtual proxy prefix for qpsTicket ("" or "/": the default one).'),
        ticketTimeoutMs: z.number().default(5000).describe('Ticket request timeout (ms; ≤ 0: 5000).'),
      },
      'The QPS ticket API (mutual TLS with the cert section).',
    ),
    sessionCache: section(
      {
        enable: bool(false, 'Reuse the Sense session of a ticket instead of a ticket per download.'),
        ttlSeconds: z
          .number()
          .min(1)
          .max(2147483)
          .default(120)
          .describe('How long a session is reused (seconds, from when it was stored).'),
        maxEntries: count(100, 'Sessions kept (least recently used first out).'),
      },
      'Session cache (ticket modes).',
    ),
  },
  'How screenshot downloads authenticate.',
);

const metadataFields = [
  'date',
  'eventId',
  'correlationId',
  'selectionTxnId',
  'user',
  'appId',
  'appName',
  'sheetName',
  'viewingDuration',
] as const;

export const screenshotsSchema = section(
  {
    enable: bool(false, 'Download the image of each screenshot.url.received event.'),
    downloadTimeoutMs: z.number().default(15000).describe('Per HTTP request (ms; ≤ 0: 15000).'),
    storageTargets: list(
      z.strictObject({
        enable: z.boolean().describe('Write to this target.'),
        type: z.literal('flat', { error: 'expected "flat"' }).describe('Only "flat" (one folder).'),
        directory: z.string().describe('Folder, relative to the working directory.'),
      }),
      'Where image files go.',
    ),
    allowedImageDownloadHosts: list(
      z.string().min(1),
      'Host names images may be downloaded from (exact match); empty blocks every download.',
    ),
    addInImageMetadata: section(
      {
        enable: bool(false, 'Also write a copy with a text header naming the event.'),
        fields: section(
          Object.fromEntries(metadataFields.map((f) => [f, bool(false, `Show ${f}.`)])) as Record<
            (typeof metadataFields)[number],
            ReturnType<typeof bool>
          >,
          'Lines of the header.',
        ),
      },
      'Metadata image (PNG only).',
    ),
    auth: screenshotAuth,
  },
  'Screenshot downloads.',
);

export type AuditScreenshotsConfig = z.output<typeof screenshotsSchema>;
