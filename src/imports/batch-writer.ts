import type { TenantScope } from '../db/tenant-scope.js';

/** Applied after the transaction that wrote a record commits (counts, in-memory indexes). */
export type AfterCommit = (() => void) | undefined;

/**
 * Writes records in one transaction per batch, so each record is either fully written or not at
 * all (a crash rolls the open batch back; the next run, comparing content, writes it again).
 * `write` gets the whole batch (so inserts can be multi-row) and returns one AfterCommit per item.
 * When a batch fails, its records are retried one transaction each, so one bad record costs only itself.
 */
export async function writeBatch<T>(
  scope: TenantScope,
  items: T[],
  write: (tx: TenantScope, items: T[]) => Promise<AfterCommit[]>,
  onError: (item: T, err: unknown) => void,
): Promise<void> {
  if (items.length === 0) return;
  try {
    const after = await scope.transaction((tx) => write(tx, items));
    for (const a of after) a?.();
    return;
  } catch (err) {
    if (items.length === 1) {
      onError(items[0]!, err);
      return;
    }
  }
  for (const it of items) {
    try {
      const after = await scope.transaction((tx) => write(tx, [it]));
      for (const a of after) a?.();
    } catch (err) {
      onError(it, err);
    }
  }
}

/** Adapts a per-record writer to writeBatch. */
export function eachRecord<T>(write: (tx: TenantScope, item: T) => Promise<AfterCommit>) {
  return async (tx: TenantScope, items: T[]): Promise<AfterCommit[]> => {
    const out: AfterCommit[] = [];
    for (const it of items) out.push(await write(tx, it));
    return out;
  };
}
