import type { RunningSandbox } from '../../src/pax8/sandbox/index.js';

export type Json = Record<string, any>;

export interface SandboxReply {
  status: number;
  body: Json;
}

/** A bare partner-API caller for the sandbox's own tests: one token, then GET, PUT and DELETE as Pax8's API answers them. */
export async function sandboxClient(sb: RunningSandbox): Promise<{
  get(path: string): Promise<SandboxReply>; put(path: string, body: unknown): Promise<SandboxReply>; del(path: string): Promise<SandboxReply>;
}> {
  const t = await fetch(sb.tokenUrl, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: sb.clientId, client_secret: sb.clientSecret, audience: sb.audience, grant_type: 'client_credentials' }),
  });
  const tok = ((await t.json()) as Json)['access_token'] as string;
  const call = async (method: string, path: string, body?: unknown): Promise<SandboxReply> => {
    const r = await fetch(`${sb.baseUrl}${path}`, {
      method, headers: { authorization: `Bearer ${tok}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as Json };
  };
  return { get: (p) => call('GET', p), put: (p, b) => call('PUT', p, b), del: (p) => call('DELETE', p) };
}
