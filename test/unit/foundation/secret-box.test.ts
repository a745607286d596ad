import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretBox, SecretBoxError } from '../../../src/crypto/secret-box.js';
import { parseSecretKey, resolveSecretKey } from '../../../src/crypto/secret-key.js';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips a secret and never stores it in clear', () => {
    const sealed = box.encrypt('s3cr3t-value', 'tenant:1:pax8ClientSecret');
    expect(sealed).to.not.include('s3cr3t');
    expect(box.decrypt(sealed, 'tenant:1:pax8ClientSecret')).to.equal('s3cr3t-value');
  });

  it('uses a fresh IV each time', () => {
    expect(box.encrypt('x', 'c')).to.not.equal(box.encrypt('x', 'c'));
  });

  it('refuses a ciphertext moved to another context, a tampered one, and another key', () => {
    const sealed = box.encrypt('value', 'tenant:1:pax8ClientSecret');
    expect(() => box.decrypt(sealed, 'tenant:2:pax8ClientSecret')).to.throw(SecretBoxError);
    const parts = sealed.split(':');
    parts[3] = Buffer.from('tampered').toString('base64');
    expect(() => box.decrypt(parts.join(':'), 'tenant:1:pax8ClientSecret')).to.throw(SecretBoxError);
    expect(() => new SecretBox(randomBytes(32)).decrypt(sealed, 'tenant:1:pax8ClientSecret')).to.throw(SecretBoxError);
  });

  it('does not reveal its key when serialised', () => {
    expect(JSON.stringify({ box })).to.equal('{"box":"[SecretBox]"}');
  });

  it('reads keys as hex or base64 and rejects other lengths', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('hex')).equals(key)).to.equal(true);
    expect(parseSecretKey(key.toString('base64')).equals(key)).to.equal(true);
    expect(() => parseSecretKey('abcd')).to.throw(/32 bytes/);
  });

  it('generates the embedded key once, private to the owner, and reuses it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'recurra-key-'));
    const first = resolveSecretKey(null, dir, true);
    const again = resolveSecretKey(null, dir, true);
    expect(first.equals(again)).to.equal(true);
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).to.equal(0o600);
    expect(readFileSync(path.join(dir, 'secret.key'), 'utf8').trim()).to.equal(first.toString('hex'));
    expect(() => resolveSecretKey(null, mkdtempSync(path.join(tmpdir(), 'recurra-key-')), false)).to.throw(/RECURRA_SECRET_KEY/);
  });
});
