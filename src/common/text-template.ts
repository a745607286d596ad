import Handlebars from 'handlebars';

/**
 * Plain-text templates a tenant may edit (e-mail subjects and bodies): Handlebars with `{{name}}` variables only, no
 * HTML escaping (the result is text), no helpers or partials, and only the variables the caller offers.
 */

const hb = Handlebars.create();

/** Why `source` is not a usable template (a syntax error, an unknown variable, a helper or block), or null. */
export function templateProblem(source: string, allowed: readonly string[]): string | null {
  let ast: hbs.AST.Program;
  try {
    ast = hb.parse(source);
  } catch (err) {
    return `not a valid template: ${(err as Error).message.split('\n')[0]}`;
  }
  for (const node of ast.body) {
    if (node.type === 'ContentStatement' || node.type === 'CommentStatement') continue;
    if (node.type !== 'MustacheStatement') return `only {{variable}} placeholders are allowed (found a ${node.type.replace('Statement', '').toLowerCase()})`;
    const m = node as hbs.AST.MustacheStatement;
    const path = m.path as hbs.AST.PathExpression;
    if (m.params.length > 0 || m.hash || path.type !== 'PathExpression' || path.parts.length !== 1) {
      return 'only {{variable}} placeholders are allowed, without helpers or arguments';
    }
    if (!allowed.includes(path.original)) return `unknown placeholder {{${path.original}}}; the placeholders are ${allowed.map((a) => `{{${a}}}`).join(', ')}`;
  }
  return null;
}

/** Fills a template checked by templateProblem; every offered variable is text, inserted as it is. */
export function renderTextTemplate(source: string, values: Record<string, string>): string {
  return hb.compile(source, { noEscape: true, strict: true, knownHelpersOnly: true })(values);
}
