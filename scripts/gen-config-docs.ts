/**
 * Generates docs/reference/configuration.md from the config schema (src/config/schema.ts): every key with
 * its type, default and description. Run: `node scripts/gen-config-docs.ts` (writes the file)
 * or `node scripts/gen-config-docs.ts --check` (exit 1 when the committed file is stale).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { settingsSchema } from '../src/config/schema.ts';
import { defaultOf, defOf, descriptionOf, unwrap } from '../src/config/schema-walk.ts';

export const DOC_FILE = fileURLToPath(new URL('../docs/reference/configuration.md', import.meta.url));

interface Row {
  key: string;
  type: string;
  fallback: string;
  description: string;
}

/** True for the schema helpers that read `null` as empty (a preprocess pipe around a list or section). */
function nullMeansEmpty(schema: z.ZodType): boolean {
  let current: z.ZodType | undefined = schema;
  for (let i = 0; current && i < 10; i++) {
    const def = defOf(current);
    if (def.type === 'pipe' && def.in && defOf(def.in).type === 'transform') {
      return ['array', 'record'].includes(defOf(unwrap(current)).type);
    }
    current = def.innerType;
  }
  return false;
}

function typeName(schema: z.ZodType): string {
  const inner = unwrap(schema);
  const def = defOf(inner) as ReturnType<typeof defOf> & {
    entries?: Record<string, string>;
    values?: unknown[];
  };
  switch (def.type) {
    case 'enum':
      return `one of ${Object.values(def.entries ?? {})
        .map((v) => `\`${v}\``)
        .join(', ')}`;
    case 'union': {
      const options = def.options ?? [];
      const literals = options.map((o) => defOf(o) as { type: string; values?: unknown[] });
      if (literals.every((l) => l.type === 'literal'))
        return `one of ${literals.map((l) => `\`${String(l.values?.[0])}\``).join(', ')}`;
      return [...new Set(options.map((o) => typeName(o)))].join(' or ');
    }
    case 'array':
      if (def.element && defOf(unwrap(def.element)).type === 'object') return 'list of mappings';
      return `list of ${def.element ? typeName(def.element) : 'values'}`;
    case 'record':
      return 'mapping of any keys';
    case 'object':
      return 'mapping';
    case 'unknown':
      return 'anything';
    default:
      return def.type;
  }
}

function formatDefault(value: unknown, schema: z.ZodType): string {
  if (value === undefined) return defOf(schema).type === 'optional' ? 'optional' : 'required';
  if (typeof value === 'string') return value === '' ? '`""` (empty)' : `\`${value}\``;
  return `\`${JSON.stringify(value)}\``;
}

function collect(schema: z.ZodType, prefix: string, rows: Row[]): void {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object' && def.shape) {
    for (const [key, child] of Object.entries(def.shape)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const childDef = defOf(unwrap(child));
      const isSection = childDef.type === 'object';
      const isObjectList =
        childDef.type === 'array' && childDef.element && defOf(unwrap(childDef.element)).type === 'object';
      if (isSection) {
        collect(child, path, rows);
        continue;
      }
      const nullable = nullMeansEmpty(child);
      rows.push({
        key: path,
        type: typeName(child) + (nullable ? ' (null = empty)' : ''),
        fallback: nullable
          ? defOf(unwrap(child)).type === 'record'
            ? '`{}`'
            : '`[]`'
          : formatDefault(defaultOf(child), child),
        description: descriptionOf(child) ?? '',
      });
      if (isObjectList && childDef.element) collect(childDef.element, `${path}[]`, rows);
    }
  }
}

const escapeCell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderConfigDocs(): string {
  const lines: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by scripts/gen-config-docs.ts. Do not edit by hand. -->',
    '',
    'The config file is YAML with a single top-level key, `Butler-SOS`. An existing Butler SOS',
    'config file (v14 or v15) loads unchanged. Check a file with',
    '`butler-sos verify-config -c FILE` (prints `OK` or every problem with key path and line).',
    '',
    '- **Defaults.** Every key has a default (shown below), so a key missing from the file is not an',
    '  error; the agent logs one line per defaulted key at startup. Feature switches default to off.',
    '- **Empty values.** A key left empty (`excludeUser:` followed only by comments) is `null`, and',
    '  `null` where a list or section is expected reads as empty.',
    '- **Unknown keys** are rejected inside sections (with a "did you mean" hint) and ignored, with a',
    '  warning, directly under `Butler-SOS`. Problems inside a section that is switched off',
    '  (`enable: false`) are warnings, and the default is used.',
    '- **Placeholders** such as `<IP or FQDN>` pass validation, but the agent refuses to start while a',
    '  feature that is switched on still uses one; the message names each key and line.',
    '- **Formats** (host names, URLs, schedules) and "required when enabled" values are checked only',
    '  when the feature using them is on. Schedules use the later.js text syntax (`every 15 minutes`).',
    '- **Secrets** (passwords, tokens, API keys, the certificate passphrase, HTTP header values) never',
    '  appear in logs, error messages or the config view.',
    '',
  ];
  const shape = defOf(unwrap(settingsSchema)).shape ?? {};
  const scalars: Row[] = [];
  const sections: Array<[string, z.ZodType]> = [];
  for (const [key, child] of Object.entries(shape)) {
    if (defOf(unwrap(child)).type === 'object') sections.push([key, child]);
    else collect(settingsSchema.pick({ [key]: true } as never), '', scalars);
  }
  const table = (rows: Row[]) => {
    lines.push('| Key | Type | Default | Description |', '| --- | --- | --- | --- |');
    for (const row of rows) {
      lines.push(
        `| \`${row.key}\` | ${escapeCell(row.type)} | ${escapeCell(row.fallback)} | ${escapeCell(row.description)} |`,
      );
    }
    lines.push('');
  };
  lines.push('## Top-level settings', '', 'Keys directly under `Butler-SOS`.', '');
  table(scalars);
  for (const [key, child] of sections) {
    lines.push(`## \`${key}\``, '', descriptionOf(child) ?? '', '', `Keys under \`Butler-SOS.${key}\`.`, '');
    const rows: Row[] = [];
    collect(child, '', rows);
    table(rows);
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderConfigDocs();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(DOC_FILE, 'utf8');
    } catch {}
    if (current !== text) {
      process.stderr.write(`${DOC_FILE} is out of date: run node scripts/gen-config-docs.ts\n`);
      process.exitCode = 1;
    }
  } else {
    writeFileSync(DOC_FILE, text);
    process.stdout.write(`wrote ${DOC_FILE}\n`);
  }
}
