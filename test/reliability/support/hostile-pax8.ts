import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostilePax8 {
  baseUrl: string;
  tokenUrl: string;
  close(): Promise<void>;
}

/**
 * A stand-in Pax8 that answers tokens and serves exactly the given records (as raw JSON text, so
 * they can be as malformed as we like) for /companies, /subscriptions and /products/{id}.
 */
export function startHostilePax8(pages: { companies: string[]; subscriptions: string[]; products: Record<string, string> }): Promise<HostilePax8> {
  const page = (items: string[]) =>
    `{"content":[${items.join(',')}],"page":{"size":200,"totalElements":${items.length},"totalPages":1,"number":0}}`;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && url.pathname === '/v1/token') {
      res.end(JSON.stringify({ access_token: 'tok', token_type: 'Bearer', expires_in: 86400 }));
    } else if (url.pathname === '/v1/companies') {
      res.end(page(pages.companies));
    } else if (url.pathname === '/v1/subscriptions') {
      const companyId = url.searchParams.get('companyId');
      res.end(page(companyId ? pages.subscriptions.filter((s) => s.includes(companyId)) : pages.subscriptions));
    } else if (url.pathname.startsWith('/v1/products/') && pages.products[url.pathname.slice('/v1/products/'.length)]) {
      res.end(pages.products[url.pathname.slice('/v1/products/'.length)]);
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ type: 'NOT_FOUND', message: 'not found', instance: url.pathname, status: 404, details: [] }));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    resolve({ baseUrl: `${base}/v1`, tokenUrl: `${base}/v1/token`, close: () => new Promise((r) => server.close(() => r())) });
  }));
}
