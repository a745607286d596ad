import type { Runtime } from '../app/runtime.js';
import { UserService } from './service.js';

export const FIRST_ADMIN_EMAIL = 'admin@localhost';

/**
 * On the embedded default's first start (no users yet), creates admin@localhost with a random
 * one-time password and prints it once to stdout; it must be changed at the first sign-in.
 */
export async function ensureFirstAdmin(rt: Runtime, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<boolean> {
  if (rt.config.database.url !== null) return false;
  const users = new UserService(rt.ds);
  if ((await users.count()) > 0) return false;
  const { generatedPassword } = await users.create({ email: FIRST_ADMIN_EMAIL, role: 'admin', displayName: 'Administrator' });
  out(
    `\nFirst start: created the administrator ${FIRST_ADMIN_EMAIL}\n` +
      `  one-time password: ${generatedPassword}\n` +
      `  (shown only now; you choose your own password at the first sign-in)\n\n`,
  );
  rt.logger.info({ email: FIRST_ADMIN_EMAIL }, 'first administrator created');
  return true;
}
