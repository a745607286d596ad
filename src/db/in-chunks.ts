/**
 * Loads by id in chunks (bound parameters per statement: 500 unless told), each id once: the one way to read rows for
 * a long list of ids.
 */
export async function inChunks<T>(ids: readonly string[], load: (chunk: string[]) => Promise<T[]>, size = 500): Promise<T[]> {
  const out: T[] = [];
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += size) out.push(...(await load(unique.slice(i, i + size))));
  return out;
}
