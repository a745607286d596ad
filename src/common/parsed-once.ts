/**
 * A bounded memo: `get(key, compute)` computes once per distinct key and hands the value out again, for immutable
 * values (Decimals, formatted texts, dates) read from many rows or records that repeat a few keys (quantities,
 * prices, zero, midnight instants). Holds at most `bound` keys; when full it starts afresh, so memory stays bounded
 * whatever the data.
 */
export function boundedMemo<K, T>(bound: number): (key: K, compute: (key: K) => T) => T {
  const known = new Map<K, T>();
  return (key, compute) => {
    let v = known.get(key);
    if (v === undefined) {
      if (known.size >= bound) known.clear();
      v = compute(key);
      known.set(key, v);
    }
    return v;
  };
}

/** `parse` computed once per distinct key (a boundedMemo whose value depends on the key alone). */
export function parsedOnce<K, T>(parse: (key: K) => T, bound: number): (key: K) => T {
  const memo = boundedMemo<K, T>(bound);
  return (key) => memo(key, parse);
}
