import { Pax8Error } from './errors.js';

export type TestConnectionReason = 'bad_credentials' | 'unreachable' | 'forbidden' | 'timeout' | 'unexpected_response';

export type TestConnectionResult = { ok: true } | { ok: false; reason: TestConnectionReason; message: string };

/**
 * Maps whatever stopped the connection test to one precise reason and the HTTP status. The remote body is never
 * relayed (issue 21): the endpoint is admin-chosen, and relaying its answer would make the test a way to read any
 * address the server can reach.
 */
export function describeConnectionFailure(err: unknown): Extract<TestConnectionResult, { ok: false }> {
  if (!(err instanceof Pax8Error)) {
    return { ok: false, reason: 'unexpected_response', message: `The connection test failed: ${err instanceof Error ? err.name : 'unknown error'}.` };
  }
  const where = err.endpoint;
  const http = err.status ? ` (HTTP ${err.status})` : '';
  switch (err.kind) {
    case 'bad_credentials':
      return { ok: false, reason: 'bad_credentials', message: `Credentials refused at ${where}${http}. Check client id, secret and audience.` };
    case 'forbidden':
      return { ok: false, reason: 'forbidden', message: `Access forbidden at ${where}${http}. The API user lacks permission for this resource.` };
    case 'network':
      // The detail is ours (a connection error code, or a refused scheme), never the remote body.
      return { ok: false, reason: 'unreachable', message: `Could not reach ${where}: ${err.message}` };
    case 'timeout':
      return { ok: false, reason: 'timeout', message: `No answer in time from ${where}${http}.` };
    default:
      return { ok: false, reason: 'unexpected_response', message: `Unexpected answer from ${where}${http}: ${err.kind.replace('_', ' ')}.` };
  }
}
