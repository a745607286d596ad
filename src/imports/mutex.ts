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
export async function pool<T>(items: readonly T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  const feed = new Feed<T>();
  for (const item of items) feed.push(item);
  feed.close();
  await feedPool(feed, Math.min(limit, items.length), worker);
}

/** A queue that is consumed while it is still being filled: takers wait for items until it is closed. */
export class Feed<T> {
  private items: T[] = [];
  /** Index of the next item to take (no shift(): a long feed would copy its array on every take). */
  private head = 0;
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
    this.items = [];
    this.head = 0;
    this.close();
  }

  /** The next item, waiting for one while the feed is open; null once it is closed and empty. */
  async take(): Promise<T | null> {
    for (;;) {
      if (this.head < this.items.length) {
        const item = this.items[this.head++]!;
        if (this.head >= 1024 && this.head * 2 >= this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        return item;
      }
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
