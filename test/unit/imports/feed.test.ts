import { expect } from 'chai';
import { Feed, feedPool, pool } from '../../../src/imports/mutex.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('imports: feed of work filled while it is consumed', () => {
  it('hands every item to the workers, including those pushed while they wait, and ends when closed', async () => {
    const feed = new Feed<number>();
    const seen: number[] = [];
    let inWork = 0;
    let most = 0;
    const done = feedPool(feed, 2, async (n) => {
      inWork++;
      most = Math.max(most, inWork);
      await tick();
      seen.push(n);
      inWork--;
    });
    for (let i = 0; i < 5; i++) feed.push(i);
    await tick();
    for (let i = 5; i < 10; i++) feed.push(i);
    feed.close();
    await done;
    expect(seen.sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).to.equal(2);
  });

  it('stops at the first failure: rethrows it, takes nothing more, and drops what is pushed afterwards', async () => {
    const feed = new Feed<number>();
    const seen: number[] = [];
    const done = feedPool(feed, 1, async (n) => {
      if (n === 2) throw new Error('usage listing failed');
      seen.push(n);
    });
    done.catch(() => undefined);
    for (let i = 0; i < 5; i++) feed.push(i);
    await tick();
    feed.push(9); // the listing goes on after the failure: ignored
    let error: Error | undefined;
    try {
      await done;
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.equal('usage listing failed');
    expect(seen).to.deep.equal([0, 1]);
  });

  it('abandon() ends waiting workers without the items not taken yet', async () => {
    const feed = new Feed<number>();
    const seen: number[] = [];
    const done = feedPool(feed, 1, async (n) => {
      await tick();
      seen.push(n);
    });
    feed.push(1);
    feed.push(2);
    feed.push(3);
    await Promise.resolve();
    feed.abandon();
    await done;
    expect(seen).to.deep.equal([1]);
  });

  it('pool() takes a long list in order, each item once', async () => {
    const items = Array.from({ length: 5000 }, (_, i) => i);
    const seen: number[] = [];
    await pool(items, 3, async (n) => {
      seen.push(n);
    });
    expect(seen).to.deep.equal(items);
  });
});
