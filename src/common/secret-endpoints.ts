/**
 * The rule for every stored secret sent to an endpoint (the Pax8 client secret, an accounting app's client secret):
 * the secret only ever goes where it was entered for. A change that moves one of the endpoints (a URL it is sent to,
 * or what it is bound to) must come with the secret again; the caller refuses it otherwise.
 *
 * `pairs` maps each patch field to the stored value it replaces; a field given in the patch with a value other than the
 * stored one (null and undefined alike meaning "none") is moved. Returns the moved fields' names, in `pairs` order.
 */
export function movedEndpoints<F extends string>(
  patch: Partial<Record<F, string | null | undefined>>,
  stored: Record<F, string | null>,
  fields: readonly F[],
): F[] {
  return fields.filter((f) => f in patch && (patch[f] ?? null) !== (stored[f] ?? null));
}
