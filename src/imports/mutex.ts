/** Serialises async sections (database writes from concurrent fetchers share one SQLite connection). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Runs `worker` over items with at most `limit` in flight; the first failure stops new work and is rethrown. */
export async function pool<T>(items: T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await worker(item);
      } catch (err) {
        failed ??= err;
      }
    }
  });
  await Promise.all(lanes);
  if (failed !== undefined) throw failed;
}

/** A queue that is consumed while it is still being filled: takers wait for items until it is closed. */
export class Feed<T> {
  private items: T[] = [];
  private closed = false;
  private waiters: Array<() => void> = [];

  /** Adds an item (dropped once the feed is closed: its consumer gave up). */
  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.waiters.shift()?.();
  }

  /** No more items: takers get what is queued, then null. */
  close(): void {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Closes and drops what was not taken yet. */
  abandon(): void {
    this.items.length = 0;
    this.close();
  }

  /** The next item, waiting for one while the feed is open; null once it is closed and empty. */
  async take(): Promise<T | null> {
    for (;;) {
      if (this.items.length > 0) return this.items.shift()!;
      if (this.closed) return null;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

/** pool() over a feed: at most `limit` items in work; the first failure abandons the feed and is rethrown. */
export async function feedPool<T>(feed: Feed<T>, limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  let failed: unknown;
  const lanes = Array.from({ length: Math.max(1, limit) }, async () => {
    for (let item = await feed.take(); item !== null && failed === undefined; item = await feed.take()) {
      try {
        await worker(item);
      } catch (err) {
        failed ??= err;
        feed.abandon();
      }
    }
  });
  await Promise.all(lanes);
  if (failed !== undefined) throw failed;
}
