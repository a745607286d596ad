import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import Handlebars from 'handlebars';

dayjs.extend(utc);
dayjs.extend(timezone);

/**
 * Server-rendered licensing pages (templates/licensing/*.hbs). Every value goes through Handlebars'
 * escaping; the only unescaped inserts are the rendered body and the page script (our own files).
 */
const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/licensing');

let hbs: typeof Handlebars | null = null;
const compiled = new Map<string, Handlebars.TemplateDelegate>();
let script: string | null = null;

function engine(): typeof Handlebars {
  if (hbs) return hbs;
  const h = Handlebars.create();
  h.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  h.registerHelper('ifelse', (c: unknown, a: unknown, b: unknown) => (c ? a : b));
  h.registerHelper('arr', (...args: unknown[]) => args.slice(0, -1));
  h.registerHelper('obj', (...args: unknown[]) => {
    const kv = args.slice(0, -1);
    const o: Record<string, unknown> = {};
    for (let i = 0; i + 1 < kv.length; i += 2) o[String(kv[i])] = kv[i + 1];
    return o;
  });
  // Escaped by the caller's {{ }} like any other value (it lands in an attribute).
  h.registerHelper('json', (v: unknown) => JSON.stringify(v));
  hbs = h;
  return h;
}

function template(name: string): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = engine().compile(readFileSync(path.join(DIR, `${name}.hbs`), 'utf8'), { strict: false });
    compiled.set(name, t);
  }
  return t;
}

export interface PageFrame {
  title: string;
  tenantName: string;
  csrf: string;
  nonce: string;
  nav: Array<{ href: string; label: string; on: boolean }>;
}

/** Renders templates/licensing/<name>.hbs inside the licensing layout. */
export function renderPage(name: 'settings' | 'approvals' | 'my', data: Record<string, unknown>, frame: PageFrame): string {
  script ??= readFileSync(path.join(DIR, 'page.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  const body = template(name)(data);
  return template('layout')({ ...frame, body, script });
}

/** An ISO instant as 'YYYY-MM-DD HH:mm' in the tenant's zone. */
export function localTime(iso: string | null, zone: string): string | null {
  return iso ? dayjs.utc(iso).tz(zone).format('YYYY-MM-DD HH:mm') : null;
}

/** Content-Security-Policy for a page whose only script carries `nonce`. */
export function pageCsp(nonce: string): string {
  return `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
}
