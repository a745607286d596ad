import { expect } from 'chai';
import { AppError, ERROR_KINDS, type ErrorKind } from '../../../src/common/app-error.js';
import { HttpError, problemOf } from '../../../src/http/api/errors.js';
import { BillingDateError } from '../../../src/invoices/billing-date.js';
import { LicensingError } from '../../../src/licensing/service.js';
import { OperationError } from '../../../src/operations/service.js';
import { Pax8Error } from '../../../src/pax8/client/errors.js';
import { SyncAlreadyRunningError, SyncRefusedError } from '../../../src/jobs/scheduler.js';
import { TenantError } from '../../../src/tenants/service.js';
import { UserError } from '../../../src/users/service.js';
import { WebhookError } from '../../../src/webhooks/service.js';

/** The one mapping of errors onto HTTP (src/http/api/errors.ts problemOf), for every kind and the features' own codes. */
describe('AppError → HTTP (problemOf)', () => {
  const expected: Record<ErrorKind, [number, string] | null> = {
    invalid: [400, 'validation_failed'],
    unauthenticated: [401, 'unauthenticated'],
    forbidden: [403, 'forbidden'],
    not_found: [404, 'not_found'],
    conflict: [409, 'conflict'],
    rate_limited: [429, 'rate_limited'],
    upstream: [502, 'pax8_error'],
    unavailable: [503, 'unavailable'],
    internal: null, // never told: the caller logs it and answers 500 internal
  };

  for (const kind of ERROR_KINDS) {
    it(`${kind}: ${expected[kind] ? expected[kind]!.join(' ') : 'not told (500)'}`, () => {
      const p = problemOf(new AppError(kind, `a ${kind} error`));
      expect(p && [p.status, p.code, p.message]).to.deep.equal(expected[kind] ? [...expected[kind]!, `a ${kind} error`] : null);
    });
  }

  it('keeps fields, answers the public message, and sets Retry-After', () => {
    const e = new AppError('invalid', 'quantity: too big', { fields: [{ path: 'body.quantity', message: 'too big' }], publicMessage: 'refused' });
    expect(problemOf(e)).to.deep.equal({ status: 400, code: 'validation_failed', message: 'refused', fields: [{ path: 'body.quantity', message: 'too big' }] });
    expect(problemOf(new AppError('rate_limited', 'slow down', { retryAfterSeconds: 30 }))!.headers).to.deep.equal({ 'Retry-After': '30' });
  });

  it('HttpError answers its own status and code; a Pax8 failure is a 502; anything else is not told', () => {
    expect(problemOf(new HttpError(429, 'locked', 'try later', undefined, { 'Retry-After': '5' }))).to.deep.equal({ status: 429, code: 'locked', message: 'try later', headers: { 'Retry-After': '5' } });
    expect(problemOf(new HttpError(500, 'internal', 'internal error'))).to.deep.equal({ status: 500, code: 'internal', message: 'internal error' });
    const pax8 = new Pax8Error({ kind: 'server_error', tenantId: 't', tenantName: 'acme', endpoint: 'GET /companies', attempts: 3, status: 503 });
    expect(problemOf(pax8)).to.include({ status: 502, code: 'pax8_error' });
    expect(problemOf(new Error('boom'))).to.equal(null);
    expect(problemOf('a string')).to.equal(null);
  });

  it('the features\' errors answer what their routes answered before (status, code, fields, message)', () => {
    const answer = (e: unknown) => { const p = problemOf(e)!; return [p.status, p.code, p.message, p.fields ?? null]; };
    expect(answer(new TenantError('no tenant with id x', 'not_found'))).to.deep.equal([404, 'not_found', 'tenant not found', null]);
    expect(answer(new TenantError('tenant "a" has no Pax8 credentials', 'invalid', { kind: 'conflict', apiCode: 'no_credentials' })))
      .to.deep.equal([409, 'no_credentials', 'tenant "a" has no Pax8 credentials', null]);
    expect(answer(new TenantError('name: bad; timeZone: unknown', 'invalid'))).to.deep.equal([400, 'validation_failed', 'name: bad; timeZone: unknown',
      [{ path: 'body.name', message: 'bad' }, { path: 'body.timeZone', message: 'unknown' }]]);
    expect(answer(new TenantError('enter the secret', 'secret_required'))).to.deep.equal([400, 'secret_required', 'enter the secret', [{ path: 'body.clientSecret', message: 'enter the secret' }]]);
    expect(answer(new UserError('password: too short', 'invalid'))).to.deep.equal([400, 'validation_failed', 'password: too short', [{ path: 'body.password', message: 'too short' }]]);
    expect(answer(new OperationError('confirm_required', 'confirm'))).to.deep.equal([409, 'confirmation_required', 'confirm', null]);
    expect(answer(new OperationError('refused', 'no'))).to.deep.equal([409, 'refused', 'no', null]);
    expect(answer(new LicensingError('invalid', 'too many', 'body.quantity'))).to.deep.equal([400, 'validation_failed', 'too many', [{ path: 'body.quantity', message: 'too many' }]]);
    expect(answer(new BillingDateError('after today', 'future_date'))).to.deep.equal([400, 'future_date', 'after today', [{ path: 'body.allowFuture', message: 'after today' }]]);
    expect(answer(new WebhookError('unauthorized', 'wrong header'))).to.deep.equal([401, 'unauthenticated', 'wrong header', null]);
    expect(answer(new WebhookError('pax8', 'Pax8 refused'))).to.deep.equal([502, 'pax8_error', 'Pax8 refused', null]);
    expect(answer(new WebhookError('no_credentials', 'connect first'))).to.deep.equal([409, 'no_credentials', 'connect first', null]);
    expect(answer(new SyncAlreadyRunningError('acme', ['customers'])).slice(0, 2)).to.deep.equal([409, 'sync_running']);
    expect(answer(new SyncRefusedError('tenant "a" is disabled', 'disabled')).slice(0, 2)).to.deep.equal([409, 'tenant_disabled']);
    expect(answer(new SyncRefusedError('no tenant named "a"', 'not_found')).slice(0, 3)).to.deep.equal([404, 'not_found', 'tenant not found']);
  });
});
