import type { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import type { OpenAccounting } from './access.js';
import { openAccountingSession, type SessionOptions } from './session.js';

/** The production opener: the tenant's stored connection, its access token refreshed first when it is about to expire. */
export function accountingOpener(ds: DataSource, secrets: SecretBox, opts: SessionOptions = {}): OpenAccounting {
  return async (tenantId, vendor, now) => {
    const { connector, session } = await openAccountingSession(ds, secrets, tenantId, vendor, now, opts);
    return { connector, session };
  };
}
