/**
 * The optional metadata image (docs/audit-events.md#screenshots): a copy of a PNG screenshot
 * with a white band above it naming the event, one line per enabled item (`DATE (UTC)`,
 * `DATE (LOCAL)`, `EVENT ID`, `CORRELATION ID`, `SELECTION TXN ID`, `USER`, `APP ID`,
 * `APP NAME`, `SHEET NAME`, `VIEWING DURATION (s)`), in upper case in a 5×7 pixel font, 8 px
 * margins, 10 px per line, a light grey line under the band; the image is widened when a line
 * is wider than the screenshot. Values are cut to 160 characters.
 */
import type { Logger } from '../../../logging/logger.ts';
import type { AuditEnvelope, AuditUser } from '../../../records/audit-event.ts';
import type { AuditScreenshotsConfig } from './config.ts';
import { decodePng, encodePng, type RgbaImage } from './png.ts';

/** 5×7 glyphs, one string of 7 rows of 5 pixels each ('#' = ink). */
const GLYPHS: Record<string, string> = {
  A: '.###.#...##...#######...##...##...#',
  B: '####.#...##...#####.#...##...#####.',
  C: '.###.#...##....#....#....#...#.###.',
  D: '####.#...##...##...##...##...#####.',
  E: '######....#....####.#....#....#####',
  F: '######....#....####.#....#....#....',
  G: '.###.#...##....#.####...##...#.####',
  H: '#...##...##...#######...##...##...#',
  I: '.###...#....#....#....#....#...###.',
  J: '..###...#....#....#....##..#..##...',
  K: '#...##..#.#.#..##...#.#..#..#.#...#',
  L: '#....#....#....#....#....#....#####',
  M: '#...###.###.#.##...##...##...##...#',
  N: '#...###..##.#.##..###...##...##...#',
  O: '.###.#...##...##...##...##...#.###.',
  P: '####.#...##...#####.#....#....#....',
  Q: '.###.#...##...##...##.#.##..#..##.#',
  R: '####.#...##...#####.#.#..#..#.#...#',
  S: '.####.....#.....###......#....####.',
  T: '#####..#....#....#....#....#....#..',
  U: '#...##...##...##...##...##...#.###.',
  V: '#...##...##...##...##...#.#.#...#..',
  W: '#...##...##...##.#.##.#.##.#.#.#.#.',
  X: '#...##...#.#.#...#...#.#.#...##...#',
  Y: '#...##...#.#.#...#....#....#....#..',
  Z: '#####....#...#...#...#...#....#####',
  '0': '.###.#...##..###.#.###..##...#.###.',
  '1': '..#...##....#....#....#....#...###.',
  '2': '.###.#...#....#...#...#...#...#####',
  '3': '#####...#...#...###.....##...#.###.',
  '4': '...#...##..#.#.#..#######...#....#.',
  '5': '######....####.....#....##...#.###.',
  '6': '..##..#...#....####.#...##...#.###.',
  '7': '#####....#...#...#...#....#....#...',
  '8': '.###.#...##...#.###.#...##...#.###.',
  '9': '.###.#...##...#.####....#...#..##..',
  ':': '.......##..##.......##..##.........',
  '.': '.....................##...##.......',
  '-': '...............#####...............',
  _: '..............................#####',
  '(': '...#...#...#....#....#.....#.....#.',
  ')': '.#.....#.....#....#....#...#...#...',
  '/': '.........#...#...#...#...#.........',
  '\\': '.....#.....#.....#.....#.....#.....',
  '=': '..........#####.....#####..........',
  '@': '.###.#...##.####.#.##.###.#.....###',
  '?': '.###.#...#....#...#...#.........#..',
  ',': '.....................##...#...#....',
  "'": '..#....#...#.......................',
  '+': '.......#....#..#####..#....#.......',
  '&': '.##..#..#.#.#...#...#.#.##..#..##.#',
  '#': '.#.#.#####.#.#.#.#.#####.#.#.......',
  ' ': '...................................',
};

const MARGIN = 8;
const PITCH = 10;
const ADVANCE = 6;
const MAX_VALUE = 160;

/** Upper case, accents stripped, `;` as a space, anything else not in the font as `?`. */
export function printable(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/;/g, ' ')
    .replace(/./gu, (c) => (GLYPHS[c] ? c : '?'));
}

const pad = (n: number) => String(n).padStart(2, '0');
const stamp = (d: Date, utc: boolean) =>
  utc
    ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
    : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

export function metadataLines(
  envelope: AuditEnvelope,
  user: AuditUser,
  fields: AuditScreenshotsConfig['addInImageMetadata']['fields'],
): string[] {
  const context = (envelope.payload.context ?? {}) as Record<string, unknown>;
  const event = (envelope.payload.event ?? {}) as Record<string, unknown>;
  const value = (v: unknown) =>
    typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : 'n/a';
  const time = Date.parse(envelope.timestamp);
  const date = Number.isFinite(time) ? new Date(time) : undefined;
  const lines: [boolean, string, string][] = [
    [fields.date, 'DATE (UTC)', date ? stamp(date, true) : 'n/a'],
    [fields.date, 'DATE (LOCAL)', date ? stamp(date, false) : 'n/a'],
    [fields.eventId, 'EVENT ID', value(envelope.eventId)],
    [fields.correlationId, 'CORRELATION ID', value(envelope.correlationId)],
    [fields.selectionTxnId, 'SELECTION TXN ID', value(event.selectionTxnId)],
    [fields.user, 'USER', value(user.user)],
    [fields.appId, 'APP ID', value(context.appId)],
    [fields.appName, 'APP NAME', value(context.appName)],
    [fields.sheetName, 'SHEET NAME', value(context.sheetName)],
    [
      fields.viewingDuration,
      'VIEWING DURATION (s)',
      typeof event.duration === 'number' ? (event.duration / 1000).toFixed(2) : 'n/a',
    ],
  ];
  return lines
    .filter(([on]) => on)
    .map(([, key, v]) =>
      printable(`${key}: ${v.length > MAX_VALUE ? `${v.slice(0, MAX_VALUE - 3)}...` : v}`),
    );
}

function drawText(image: RgbaImage, text: string, x0: number, y0: number): void {
  for (const [i, c] of [...text].entries()) {
    const glyph = GLYPHS[c] ?? GLYPHS['?']!;
    for (let p = 0; p < 35; p++) {
      if (glyph[p] !== '#') continue;
      const x = x0 + i * ADVANCE + (p % 5);
      const y = y0 + Math.floor(p / 5);
      if (x >= image.width || y >= image.height) continue;
      image.pixels.fill(0, (y * image.width + x) * 4, (y * image.width + x) * 4 + 3);
    }
  }
}

/** The screenshot with its text band, or undefined when off, without lines, or not a decodable PNG. */
export function metadataImage(
  png: Buffer,
  envelope: AuditEnvelope,
  user: AuditUser,
  config: AuditScreenshotsConfig['addInImageMetadata'],
  log: Logger,
): Buffer | undefined {
  if (!config.enable) return undefined;
  const lines = metadataLines(envelope, user, config.fields);
  if (lines.length === 0) return undefined;
  const shot = decodePng(png);
  if (!shot) {
    log.verbose('AUDIT API: screenshot is not an 8-bit RGB(A) PNG; no metadata image');
    return undefined;
  }
  const band = MARGIN * 2 + lines.length * PITCH - (PITCH - 7);
  const width = Math.max(shot.width, MARGIN * 2 + Math.max(...lines.map((l) => l.length)) * ADVANCE);
  const height = band + 1 + shot.height;
  const image: RgbaImage = { width, height, pixels: Buffer.alloc(width * height * 4, 255) };
  image.pixels.fill(0xd0, band * width * 4, (band + 1) * width * 4);
  for (let y = band; y < band + 1; y++)
    for (let x = 0; x < width; x++) image.pixels[(y * width + x) * 4 + 3] = 255;
  lines.forEach((line, i) => {
    drawText(image, line, MARGIN, MARGIN + i * PITCH);
  });
  for (let y = 0; y < shot.height; y++) {
    shot.pixels.copy(image.pixels, (band + 1 + y) * width * 4, y * shot.width * 4, (y + 1) * shot.width * 4);
  }
  return encodePng(image);
}
