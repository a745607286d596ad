/**
 * A function computed once per distinct key and its value handed out again: for immutable values (Decimals) read
 * from many rows or records that repeat a few texts or numbers (quantities, prices, zero). Holds at most `bound`
 * keys; when full it starts afresh, so memory stays bounded whatever the data.
 */
export function parsedOnce<K, T>(parse: (key: K) => T, bound: number): (key: K) => T {
  const parsed = new Map<K, T>();
  return (key) => {
    let v = parsed.get(key);
    if (v === undefined) {
      if (parsed.size >= bound) parsed.clear();
      v = parse(key);
      parsed.set(key, v);
    }
    return v;
  };
}
