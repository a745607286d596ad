import { AppError, fieldError, type ErrorKind } from '../common/app-error.js';
import { AccountingError, type AccountingVendor } from './connector.js';

/** The vendor as people call it. */
export function vendorName(vendor: AccountingVendor): string {
  return vendor === 'xero' ? 'Xero' : 'QuickBooks';
}

/**
 * A refusal of the accounting use cases (contacts, mappings, pushes, payments): `not_found`, `invalid` (`field` names
 * it), `conflict`, or what the vendor answered (`upstream` and friends, API code `accounting_error`).
 */
export class AccountingUseError extends AppError {
  override name = 'AccountingUseError';
  constructor(kind: Extract<ErrorKind, 'not_found' | 'invalid' | 'conflict' | 'upstream' | 'rate_limited' | 'unavailable'>, message: string, field?: string) {
    super(kind, message, {
      ...(field ? { fields: fieldError(field, message) } : {}),
      ...(kind === 'upstream' || kind === 'unavailable' ? { apiCode: 'accounting_error' } : {}),
    });
  }
}

/** A vendor's AccountingError as an AppError the API and the CLI can show (anything else is rethrown as it is). */
export function asUseError(err: unknown, vendor: AccountingVendor): unknown {
  if (!(err instanceof AccountingError)) return err;
  const v = vendorName(vendor);
  switch (err.kind) {
    case 'unauthorized': return new AccountingUseError('conflict', `${v} refused the connection (${err.message}): connect ${v} again`);
    case 'invalid': return new AccountingUseError('invalid', `${v} refused it: ${err.message}`);
    case 'rate_limited': return new AccountingUseError('rate_limited', `${v} asks to wait: ${err.message}`);
    case 'not_found': return new AccountingUseError('not_found', `${v}: ${err.message}`);
    case 'unavailable': return new AccountingUseError('unavailable', `${v} could not be reached: ${err.message}`);
    default: return new AccountingUseError('upstream', `${v}: ${err.message}`);
  }
}

/** Runs a vendor call, turning its AccountingError into an AccountingUseError. */
export async function vendorCall<T>(vendor: AccountingVendor, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asUseError(err, vendor);
  }
}
