/**
 * Nesting limit for every JSON body the server accepts (issue 21): a body nested deeper is refused with 400
 * `too_deep` by the body parser itself, before JSON.parse and before anything that walks the value recursively
 * (validation, hashing, JSON.stringify) could overflow the stack. Real bodies nest a handful of levels.
 */
export const MAX_JSON_DEPTH = 64;

/** True when the JSON text nests arrays/objects deeper than `max`. One pass, no recursion; strings are skipped. */
export function jsonTooDeep(bytes: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) return true;
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return false;
}

/** body-parser `verify` hook: throws a 400 `entity.too.deep` error for a body nested too deeply. */
export function verifyJsonDepth(_req: unknown, _res: unknown, buf: Buffer): void {
  if (jsonTooDeep(buf)) {
    throw Object.assign(new Error(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`), { status: 400, expose: true, type: 'entity.too.deep' });
  }
}
