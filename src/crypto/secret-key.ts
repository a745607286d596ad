import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SecretBoxError } from './secret-box.js';

export const SECRET_KEY_FILE = 'secret.key';

/** Accepts 64 hex characters or base64 of 32 bytes. */
export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) {
    throw new SecretBoxError('RECURRA_SECRET_KEY must be 32 bytes, written as 64 hex characters or base64');
  }
  return key;
}

/**
 * The key comes from RECURRA_SECRET_KEY when set. Otherwise (embedded default) it is read from
 * <dataDir>/secret.key, generated there with mode 0600 on first start.
 */
export function resolveSecretKey(configured: string | null, dataDir: string, allowGenerate: boolean): Buffer {
  if (configured) return parseSecretKey(configured);
  const file = path.join(dataDir, SECRET_KEY_FILE);
  if (existsSync(file)) return parseSecretKey(readFileSync(file, 'utf8'));
  if (!allowGenerate) {
    throw new SecretBoxError(`no secret key: set RECURRA_SECRET_KEY (64 hex characters) or create ${file}`);
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
