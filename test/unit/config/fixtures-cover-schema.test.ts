/**
 * The config fixtures test/fixtures/config/butler-sos-v14.yaml and butler-sos-v15.yaml are the
 * project's complete config inputs. The v15 one sets every key of the schema; the v14 one sets
 * every key except those upstream added in v15 and later, and none of those. Both load with no
 * error, warning or placeholder, and every value in them reaches the loaded config. When a key
 * is added to src/config/schema.ts, these tests fail until the fixtures set it too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import type { z } from 'zod';
import { getAt, type PathSegment } from '../../../src/config/kit/paths.ts';
import { loadConfigFile } from '../../../src/config/load.ts';
import { findPlaceholders } from '../../../src/config/placeholders.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { defOf, descriptionOf, unwrap } from '../../../src/config/schema-walk.ts';
import { FIXTURE_V14, FIXTURE_V15 } from './support.ts';

/**
 * Where each key added after v14 starts (the whole subtree below it is new too). The schema
 * marks them with a description starting `[v15]` or `[main]`; this list is the cross-check.
 */
const ADDED_AFTER_V14 = [
  'Butler-SOS.crashFile',
  'Butler-SOS.errorTracking',
  'Butler-SOS.userEvents.udpServerConfig.enableSourceValidation',
  'Butler-SOS.userEvents.udpServerConfig.allowedSources',
  'Butler-SOS.logEvents.udpServerConfig.enableSourceValidation',
  'Butler-SOS.logEvents.udpServerConfig.allowedSources',
  'Butler-SOS.prometheus.nodeMetricsHost',
  'Butler-SOS.prometheus.nodeMetricsPort',
  'Butler-SOS.influxdbConfig.maxBatchSize',
  'Butler-SOS.influxdbConfig.v3Config',
  'Butler-SOS.auditEvents',
];

interface SchemaKey {
  path: string;
  /** The key, or a section above it, was added by upstream v15 or later. */
  addedAfterV14: boolean;
  /** Where the added subtree starts (the key itself, when it is the first added one). */
  addedAt: boolean;
}

/** Every key path of the schema; items of a list of sections appear as `list[].key`. */
function schemaKeys(schema: z.ZodType, prefix = '', added = false, out: SchemaKey[] = []): SchemaKey[] {
  const def = defOf(unwrap(schema));
  if (def.type === 'object' && def.shape) {
    for (const [key, child] of Object.entries(def.shape)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const marked = /^\[(v15|main)\]/.test(descriptionOf(child) ?? '');
      out.push({ path, addedAfterV14: added || marked, addedAt: marked && !added });
      schemaKeys(child, path, added || marked, out);
    }
  } else if (def.type === 'array' && def.element) {
    schemaKeys(def.element, `${prefix}[]`, added, out);
  }
  return out;
}

/** True for values that exercise nothing: null, empty text, empty list or section. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/** Key paths a parsed YAML document sets to something not empty (same notation as schemaKeys). */
function fixtureKeys(node: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) fixtureKeys(item, `${prefix}[]`, out);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (isEmpty(value)) continue;
      out.add(path);
      fixtureKeys(value, path, out);
    }
  }
  return out;
}

/** Every scalar of a parsed YAML document with its path (array indexes as numbers). */
function scalars(node: unknown, path: PathSegment[] = [], out: Array<[PathSegment[], unknown]> = []) {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) scalars(item, [...path, i], out);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) scalars(value, [...path, key], out);
  } else out.push([path, node]);
  return out;
}

const SCHEMA_KEYS = schemaKeys(configSchema);
const FIXTURES = { v14: FIXTURE_V14, v15: FIXTURE_V15 };
const parsed = (file: string) => parse(readFileSync(file, 'utf8')) as unknown;

describe('config fixtures cover the schema', () => {
  test('the schema walk sees every section, and the keys added after v14 are the expected ones', () => {
    assert.ok(SCHEMA_KEYS.length > 350, `only ${SCHEMA_KEYS.length} keys found`);
    for (const path of [
      'Butler-SOS.logLevel',
      'Butler-SOS.serversToMonitor.servers[].userSessions.virtualProxies[].virtualProxy',
      'Butler-SOS.logEvents.enginePerformanceMonitor.monitorFilter.appSpecific.app[].appObject.someAppObjectsInclude',
      'Butler-SOS.delivery.shutdownDeadlineMs',
    ]) {
      assert.ok(
        SCHEMA_KEYS.some((key) => key.path === path),
        path,
      );
    }
    assert.deepEqual(
      SCHEMA_KEYS.filter((key) => key.addedAt).map((key) => key.path),
      ADDED_AFTER_V14,
    );
  });

  test('the v15 fixture sets every key of the schema', () => {
    const present = fixtureKeys(parsed(FIXTURE_V15));
    const missing = SCHEMA_KEYS.map((key) => key.path).filter((path) => !present.has(path));
    assert.deepEqual(missing, [], 'keys missing from (or empty in) butler-sos-v15.yaml');
  });

  test('the v14 fixture sets every key of v14 and none added later', () => {
    const present = fixtureKeys(parsed(FIXTURE_V14));
    const missing = SCHEMA_KEYS.filter((key) => !key.addedAfterV14 && !present.has(key.path));
    assert.deepEqual(
      missing.map((key) => key.path),
      [],
      'keys missing from (or empty in) butler-sos-v14.yaml',
    );
    const later = SCHEMA_KEYS.filter((key) => key.addedAfterV14 && present.has(key.path));
    assert.deepEqual(
      later.map((key) => key.path),
      [],
      'keys added after v14 found in butler-sos-v14.yaml',
    );
  });

  test('the fixtures set no key the schema does not know', () => {
    // serverTags and headers take any keys, auditEvents is accepted as it is, and an app
    // object may be written `- objectId: X` (one of the two forms the schema accepts).
    const open = /^Butler-SOS\.(serversToMonitor\.servers\[\]\.(serverTags|headers)|auditEvents)\./;
    const objectIdForm = /\.(allAppObjectsExclude|someAppObjectsInclude)\[\]\.objectId$/;
    const known = new Set(SCHEMA_KEYS.map((key) => key.path));
    for (const [name, file] of Object.entries(FIXTURES)) {
      const unknown = [...fixtureKeys(parsed(file))].filter(
        (path) => !known.has(path) && !open.test(path) && !objectIdForm.test(path),
      );
      assert.deepEqual(unknown, [], name);
    }
  });
});

describe('config fixtures are valid', () => {
  for (const [name, file] of Object.entries(FIXTURES)) {
    test(`${name}: loads with no warning and no placeholder in use`, () => {
      const loaded = loadConfigFile(file);
      assert.deepEqual(loaded.warnings, []);
      assert.deepEqual(findPlaceholders(loaded.config), []);
    });

    test(`${name}: every value in the file reaches the loaded config`, () => {
      const config = loadConfigFile(file).config;
      const differing: string[] = [];
      for (const [path, value] of scalars(parsed(file))) {
        const loaded = getAt(config, path);
        if (loaded === value) continue;
        // Numbers where text is expected (account ids, tag values) are read as text.
        if (typeof value === 'number' && loaded === String(value)) continue;
        // Level and action names are normalised to lower case.
        if (typeof value === 'string' && loaded === value.trim().toLowerCase()) continue;
        // `- objectId: X` in an app object list reads as the plain id X.
        if (path.at(-1) === 'objectId' && getAt(config, path.slice(0, -1)) === value) continue;
        differing.push(`${path.join('.')}: file ${JSON.stringify(value)}, loaded ${JSON.stringify(loaded)}`);
      }
      assert.deepEqual(differing, []);
    });
  }

  test('v14: exactly the keys added after v14 get their defaults', () => {
    const loaded = loadConfigFile(FIXTURE_V14);
    // auditEvents has no default: absent, it stays absent.
    assert.deepEqual(
      [...loaded.defaulted].sort(),
      ADDED_AFTER_V14.filter((path) => path !== 'Butler-SOS.auditEvents').sort(),
    );
    const s = loaded.config['Butler-SOS'];
    assert.equal(s.influxdbConfig.version, 1);
    assert.equal(s.influxdbConfig.maxBatchSize, 1000);
    assert.equal(s.crashFile.enable, true);
    assert.equal(s.errorTracking.influxdb.measurementName, 'butler_sos_errors');
    assert.deepEqual(s.logEvents.udpServerConfig.allowedSources, []);
    assert.equal(s.prometheus.nodeMetricsPort, 9001);
  });

  test('v15: no key is defaulted, and InfluxDB 3 is selected so its settings are checked', () => {
    const loaded = loadConfigFile(FIXTURE_V15);
    assert.deepEqual(loaded.defaulted, []);
    assert.equal(loaded.config['Butler-SOS'].influxdbConfig.version, 3);
  });
});
