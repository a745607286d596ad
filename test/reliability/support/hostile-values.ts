import fc from 'fast-check';

/** Values that have broken real systems: wrong types, extremes, injections, odd encodings. */
export const HOSTILE_SCALARS: unknown[] = [
  null, true, false, 0, -1, -0.5, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '', ' ', '0', '-1', '1e309', 'NaN', 'Infinity',
  '2026-02-30', '2026-13-01', '99999-01-01', 'not-a-date', '00000000-0000-0000-0000-000000000000', 'x'.repeat(70_000),
  '<script>alert(1)</script>', "=cmd|' /C calc'!A0", '+SUM(1,2)', '@HYPERLINK("x")', "' OR 1=1 --", '"; DROP TABLE tenants; --',
  '../../etc/passwd', '\u0000', '\ud800', '𝄞'.repeat(300), '%00', '${jndi:ldap://x}', '{{constructor.constructor("x")()}}',
  [], {}, [null], { __proto__: { admin: true } }, { constructor: { prototype: { polluted: true } } },
];

export const hostileScalar = fc.constantFrom(...HOSTILE_SCALARS);

/** Any JSON at all, biased towards hostile scalars at the leaves. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileScalar,
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'tenantId', 'id', 'role')), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A valid example with one field replaced by a hostile value (the most likely kind of bad request). */
export function mutatedExample(example: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(example);
  if (keys.length === 0) return hostileJson;
  return fc.tuple(fc.constantFrom(...keys), hostileJson).map(([k, v]) => ({ ...example, [k]: v }));
}
