/** docs/reference/configuration.md is generated from the schema and must be up to date. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DOC_FILE, renderConfigDocs } from '../../../scripts/gen-config-docs.ts';
import { settingsSchema } from '../../../src/config/schema.ts';

test('the committed configuration reference matches the schema (run node scripts/gen-config-docs.ts)', () => {
  const rendered = renderConfigDocs();
  assert.equal(readFileSync(DOC_FILE, 'utf8'), rendered);
});

test('every section and some deep keys are documented, with defaults', () => {
  const rendered = renderConfigDocs();
  for (const key of Object.keys(settingsSchema.shape)) assert.match(rendered, new RegExp(`\`${key}\``));
  assert.match(
    rendered,
    /\| `servers\[\]\.userSessions\.virtualProxies\[\]\.virtualProxy` \| string \| required \|/,
  );
  assert.match(rendered, /\| `port` \| number \| `8086` \|/);
  assert.match(rendered, /\| `excludeUser` \| list of mappings \(null = empty\) \| `\[\]` \|/);
});
