/**
 * The kinds of invoice line, defined once: the engine makes them, the invoice_lines entity stores them, the
 * composers, renderers and the reconciliation branch on them. Adding a kind here makes the compiler point at
 * every exhaustive switch (`unreachable`) that must say what to do with it.
 */
export const LINE_KINDS = ['recurring', 'arrears', 'usage', 'prorata'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

export function isLineKind(value: string): value is LineKind {
  return (LINE_KINDS as readonly string[]).includes(value);
}

/** The default branch of an exhaustive switch: fails to compile when a case is missing, throws if reached anyway. */
export function unreachable(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${String(value)}`);
}
