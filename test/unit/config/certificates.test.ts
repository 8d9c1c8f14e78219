/** Certificate files are checked at startup, naming key and file. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { checkCertificateFiles } from '../../../src/config/certificates.ts';
import { loadConfigText } from '../../../src/config/load.ts';
import { lineContaining, replaceOnce, tempDir, validFullText, writeCertFiles } from './support.ts';

describe('checkCertificateFiles', () => {
  const dir = tempDir();
  after(() => dir.remove());
  writeCertFiles(dir.path);

  test('readable files: no problem', () => {
    const loaded = loadConfigText(validFullText(dir.path));
    assert.deepEqual(checkCertificateFiles(loaded.config, loaded.lineOf), []);
  });

  test('a missing file is named with its key and line', () => {
    rmSync(join(dir.path, 'client_key.pem'));
    const text = validFullText(dir.path);
    const loaded = loadConfigText(text);
    const issues = checkCertificateFiles(loaded.config, loaded.lineOf);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.path, 'Butler-SOS.cert.clientCertKey');
    assert.equal(issues[0]?.line, lineContaining(text, 'clientCertKey:'));
    assert.match(issues[0]?.message ?? '', new RegExp(`${join(dir.path, 'client_key.pem')} does not exist`));
    writeCertFiles(dir.path);
  });

  test('a directory or an unreadable file is named', () => {
    const text = replaceOnce(
      validFullText(dir.path),
      `clientCertCA: ${dir.path}/root.pem`,
      `clientCertCA: ${dir.path}`,
    );
    const issues = checkCertificateFiles(loadConfigText(text).config);
    assert.equal(issues[0]?.path, 'Butler-SOS.cert.clientCertCA');
    assert.match(issues[0]?.message ?? '', /is a directory/);
    if (process.getuid?.() !== 0) {
      chmodSync(join(dir.path, 'client.pem'), 0o000);
      const unreadable = checkCertificateFiles(loadConfigText(validFullText(dir.path)).config);
      assert.match(unreadable[0]?.message ?? '', /cannot be read \(EACCES\)/);
      chmodSync(join(dir.path, 'client.pem'), 0o644);
    }
  });

  test('relative paths resolve against the given base directory', () => {
    const text = validFullText('certs');
    mkdirSync(join(dir.path, 'certs'), { recursive: true });
    writeCertFiles(join(dir.path, 'certs'));
    assert.deepEqual(checkCertificateFiles(loadConfigText(text).config, undefined, dir.path), []);
    assert.equal(checkCertificateFiles(loadConfigText(text).config, undefined, '/').length, 3);
  });

  test('not checked when nothing needs certificates', () => {
    const config = loadConfigText('Butler-SOS:\n  cert:\n    clientCert: /nope/client.pem\n').config;
    assert.deepEqual(checkCertificateFiles(config), []);
    config['Butler-SOS'].appNames.enableAppNameExtract = true;
    const issues = checkCertificateFiles(config);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['Butler-SOS.cert.clientCert', 'Butler-SOS.cert.clientCertKey', 'Butler-SOS.cert.clientCertCA'],
    );
    assert.match(issues[1]?.message ?? '', /is not set/);
  });
});
