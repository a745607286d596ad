import { AppError, fieldError, type ErrorKind } from '../common/app-error.js';

/** `not_found`: no such customer or invoice in the tenant; `invalid`: refused input (`field` names it). */
export class InvoiceDeliveryError extends AppError {
  override name = 'InvoiceDeliveryError';
  constructor(kind: Extract<ErrorKind, 'not_found' | 'invalid' | 'conflict'>, message: string, field?: string) {
    super(kind, message, field ? { fields: fieldError(field, message) } : {});
  }
}
