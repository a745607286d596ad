import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * In Handlebars a bare `{{name}}` calls the helper `name` when one is registered, not the context's property of that
 * name: `{{inWords}}` on the Integration page printed "[object Object]" once `inWords` became a formatting helper.
 * Pages must write `{{this.name}}` for such properties.
 */
describe('web templates: no bare {{name}} where name is a helper', () => {
  const helpers = [...readFileSync('src/http/web/render.ts', 'utf8').matchAll(/registerHelper\('([A-Za-z]+)'/g)].map((m) => m[1]!);

  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.hbs') ? [p] : [];
  });

  it('reads the helpers of the page renderer', () => {
    expect(helpers).to.include.members(['money', 'inWords', 'rate']);
  });

  it('finds none in templates/web', () => {
    const bare = new RegExp(`\\{\\{\\{?\\s*(${helpers.join('|')})\\s*\\}?\\}\\}`, 'g');
    const found = files('templates/web').flatMap((f) => [...readFileSync(f, 'utf8').matchAll(bare)].map((m) => `${f}: ${m[0]}`));
    expect(found).to.deep.equal([]);
  });
});
