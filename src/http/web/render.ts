import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { day, inWords, money, monthName, percent, period, quantity, rate, unitPrice, when, words } from './format.js';

export const WEB_TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../templates/web');

type Delegate = Handlebars.TemplateDelegate;

/**
 * A private Handlebars instance for the web app. Only {{double}} braces are used in the templates,
 * so everything (company names from Pax8 included) is HTML-escaped.
 */
export class Views {
  private readonly hb = Handlebars.create();
  private readonly pages = new Map<string, Delegate>();
  private layout: Delegate | undefined;

  constructor(private readonly dir = WEB_TEMPLATES, private readonly cache = true) {
    this.hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hb.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
    this.hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
    this.hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
    this.hb.registerHelper('not', (a: unknown) => !a);
    this.hb.registerHelper('json', (v: unknown) => JSON.stringify(v));
    // Values for people (src/http/web/format.ts); a helper's last argument is Handlebars' options object.
    // {{date x}} in the page's tenant's zone (the page kit passes it as timeZone), {{date x zone}} in the one given.
    this.hb.registerHelper('date', (v: unknown, ...rest: unknown[]) => {
      const root = (rest[rest.length - 1] as Handlebars.HelperOptions | undefined)?.data?.root as { timeZone?: unknown } | undefined;
      const zone = rest.length > 1 && typeof rest[0] === 'string' && rest[0] ? rest[0] : root?.timeZone;
      return when(v, typeof zone === 'string' && zone ? zone : undefined);
    });
    this.hb.registerHelper('day', (v: unknown) => day(v));
    this.hb.registerHelper('monthName', (v: unknown) => monthName(v));
    this.hb.registerHelper('period', (from: unknown, to: unknown) => period(from, to));
    this.hb.registerHelper('money', (v: unknown, currency: unknown) => money(v, typeof currency === 'string' ? currency : undefined));
    this.hb.registerHelper('unitPrice', (v: unknown, currency: unknown) => unitPrice(v, typeof currency === 'string' ? currency : undefined));
    this.hb.registerHelper('qty', (v: unknown) => quantity(v));
    this.hb.registerHelper('rate', (v: unknown) => rate(v));
    this.hb.registerHelper('percent', (v: unknown) => percent(v));
    this.hb.registerHelper('words', (v: unknown) => words(v));
    this.hb.registerHelper('inWords', (v: unknown) => inWords(v));
    this.hb.registerHelper('join', (v: unknown, sep: unknown) => (Array.isArray(v) ? v.join(typeof sep === 'string' ? sep : ', ') : ''));
    this.hb.registerHelper('inc', (v: unknown) => Number(v) + 1);
    this.hb.registerHelper('dec', (v: unknown) => Number(v) - 1);
    this.hb.registerHelper('selected', (a: unknown, b: unknown) => (String(a) === String(b) ? 'selected' : ''));
    this.hb.registerHelper('checked', (a: unknown) => (a ? 'checked' : ''));
    this.loadPartials();
  }

  private loadPartials(): void {
    const dir = path.join(this.dir, 'partials');
    for (const f of readdirSync(dir)) {
      if (f.endsWith('.hbs')) this.hb.registerPartial(f.replace(/\.hbs$/, ''), readFileSync(path.join(dir, f), 'utf8'));
    }
  }

  private compile(file: string): Delegate {
    return this.hb.compile(readFileSync(path.join(this.dir, file), 'utf8'));
  }

  /** A partial alone, without the layout (a part of a page that a script refreshes, e.g. the progress panel). */
  fragment(partial: string, data: object): string {
    if (!this.cache) this.pages.delete(`partial:${partial}`);
    let tpl = this.pages.get(`partial:${partial}`);
    if (!tpl) {
      tpl = this.compile(`partials/${partial}.hbs`);
      this.pages.set(`partial:${partial}`, tpl);
    }
    return tpl(data);
  }

  render(page: string, data: Record<string, unknown>): string {
    if (!this.cache) { this.pages.clear(); this.layout = undefined; this.loadPartials(); }
    let tpl = this.pages.get(page);
    if (!tpl) {
      tpl = this.compile(`pages/${page}.hbs`);
      this.pages.set(page, tpl);
    }
    this.layout ??= this.compile('layout.hbs');
    return this.layout({ ...data, body: new Handlebars.SafeString(tpl(data)) });
  }
}
