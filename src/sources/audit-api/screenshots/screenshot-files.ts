/**
 * The two ends of a screenshot download: whether the event's URL may be fetched at all
 * (upstream's conditions, in its order; fail closed), and writing the image to the storage
 * targets as `<ts>_<eventId>_<correlationId>.<ext>`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../../../logging/logger.ts';
import type { AuditEnvelope } from '../../../records/audit-event.ts';
import type { AddressPolicy } from './address-policy.ts';
import type { AuditScreenshotsConfig } from './config.ts';

/** Why the event's screenshot is not downloaded at all (conditions in upstream's order). */
export function refusal(
  envelope: AuditEnvelope,
  policy: AddressPolicy,
  config: AuditScreenshotsConfig,
): { url: URL } | { reason: string } {
  const event = envelope.payload.event as Record<string, unknown> | undefined;
  const raw = event?.screenshotUrl;
  if (typeof raw !== 'string' || raw === '') return { reason: 'no screenshotUrl' };
  if (policy.empty) return { reason: 'allowedImageDownloadHosts is empty' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { reason: 'screenshotUrl is not an absolute URL' };
  }
  const refused = policy.refusal(url);
  if (refused) return { reason: refused };
  if (!config.storageTargets.some((t) => t.enable)) return { reason: 'no storage target is enabled' };
  return { url };
}

/** What is written for one screenshot: the image and, for a PNG, its copy with a metadata header. */
export interface StoredImage {
  base: string;
  ext: string;
  body: Buffer;
  extra: Buffer | undefined;
}

/** Writes the image to every enabled flat target; the absolute paths written, in order. */
export async function storeImage(
  targets: AuditScreenshotsConfig['storageTargets'],
  image: StoredImage,
  log: Logger,
): Promise<string[]> {
  const paths: string[] = [];
  for (const target of targets ?? []) {
    if (!target.enable || target.type !== 'flat') continue;
    const dir = resolve(process.cwd(), target.directory);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${image.base}.${image.ext}`), image.body);
      paths.push(join(dir, `${image.base}.${image.ext}`));
      if (image.extra) {
        await writeFile(join(dir, `${image.base}_metadata.${image.ext}`), image.extra);
        paths.push(join(dir, `${image.base}_metadata.${image.ext}`));
      }
    } catch (error) {
      log.error(`AUDIT API: writing screenshot to ${dir} failed: ${(error as Error).message}`);
    }
  }
  return paths;
}
