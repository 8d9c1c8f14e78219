/**
 * What the config loader and the certificate check read is bounded: a config file over the size
 * cap and a certificate path naming a device or a huge file fail at once with a clear message,
 * instead of filling memory or blocking forever. The load time's growth with the file size is
 * measured in bench/config-load.ts (not asserted here).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { checkCertificateFiles } from '../../../src/config/certificates.ts';
import { ConfigError } from '../../../src/config/issues.ts';
import { CONFIG_FILE_MAX_BYTES, loadConfigFile, loadConfigText } from '../../../src/config/load.ts';
import { lineContaining, replaceOnce, tempDir, validFullText, writeCertFiles } from './support.ts';

function messagesOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((issue) => issue.message).join('\n');
  }
  assert.fail('expected a ConfigError');
}

describe('config input limits', () => {
  const dir = tempDir();
  after(() => dir.remove());

  test('a config file over the size cap is refused, naming its size and the cap', () => {
    const file = join(dir.path, 'huge.yaml');
    // Valid YAML all the way: only the size is wrong.
    const text = validFullText();
    writeFileSync(file, text + '#'.repeat(CONFIG_FILE_MAX_BYTES - text.length + 10));
    assert.match(
      messagesOf(() => loadConfigFile(file)),
      /^Config file is 2 MiB, larger than the 2 MiB allowed; a Butler SOS config is a few tens of KiB$/,
    );
  });

  test('a certificate path naming /dev/zero is a problem with its key, not an endless read', () => {
    writeCertFiles(dir.path);
    const text = replaceOnce(validFullText(dir.path), `${dir.path}/root.pem`, '/dev/zero');
    const loaded = loadConfigText(text);
    const issues = checkCertificateFiles(loaded.config, loaded.lineOf);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.path, 'Butler-SOS.cert.clientCertCA');
    assert.match(issues[0]?.message ?? '', /\/dev\/zero is not a regular file/);
  });

  test('a certificate file over 1 MiB is refused', () => {
    writeCertFiles(dir.path);
    writeFileSync(join(dir.path, 'root.pem'), Buffer.alloc(1024 * 1024 + 1, 'A'));
    const loaded = loadConfigText(validFullText(dir.path));
    const issues = checkCertificateFiles(loaded.config, loaded.lineOf);
    assert.equal(issues.length, 1);
    assert.match(issues[0]?.message ?? '', /root\.pem is 1 MiB, larger than the 1 MiB allowed/);
  });

  test('a duplicate key among 20,000 keys of one mapping is still found, with its line', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  extraSetting${i}: ${i}\n`).join('');
    const text = `${validFullText()}${keys}  extraSetting7: again\n`;
    try {
      loadConfigText(text);
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      assert.deepEqual(
        error.issues.map((issue) => [issue.phase, issue.line, issue.message]),
        [
          [
            'yaml',
            lineContaining(text, 'extraSetting7: again'),
            'Error parsing YAML file: Map keys must be unique',
          ],
        ],
      );
    }
  });
});
