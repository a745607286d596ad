import { Pax8Error } from './errors.js';

export type TestConnectionReason = 'bad_credentials' | 'unreachable' | 'forbidden' | 'timeout' | 'unexpected_response';

export type TestConnectionResult = { ok: true } | { ok: false; reason: TestConnectionReason; message: string };

/** Maps whatever stopped the connection test to one precise reason. */
export function describeConnectionFailure(err: unknown): Extract<TestConnectionResult, { ok: false }> {
  if (!(err instanceof Pax8Error)) {
    return { ok: false, reason: 'unexpected_response', message: err instanceof Error ? err.message : String(err) };
  }
  const where = err.endpoint;
  const pax8Says = err.reasons.length ? ` Pax8 says: ${err.reasons.join('; ')}.` : '';
  switch (err.kind) {
    case 'bad_credentials':
      return { ok: false, reason: 'bad_credentials', message: `Credentials refused at ${where} (HTTP ${err.status ?? '?'}).${pax8Says} Check client id, secret and audience.` };
    case 'forbidden':
      return { ok: false, reason: 'forbidden', message: `Access forbidden at ${where} (HTTP 403).${pax8Says} The API user lacks permission for this resource.` };
    case 'network':
      return { ok: false, reason: 'unreachable', message: `Could not reach ${where}: ${err.message}` };
    case 'timeout':
      return { ok: false, reason: 'timeout', message: `No answer in time from ${where}: ${err.message}` };
    default:
      return { ok: false, reason: 'unexpected_response', message: err.message };
  }
}
