import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Scheduler } from '../../src/pax8/client/scheduler.js';

describe('pax8 scheduler', () => {
  it('paces request starts at 60 000 / rate ms even when many are queued', async () => {
    const s = new Scheduler(8, 3000); // 20 ms apart, plus the 1 % margin
    const starts: number[] = [];
    const t0 = performance.now(); // the first slot is no earlier than this
    await Promise.all(Array.from({ length: 12 }, () => s.run(async () => void starts.push(performance.now()))));
    starts.sort((a, b) => a - b);
    // Start k is never before its slot on the timeline: first slot + k intervals. Measured from t0, not from the first
    // task's own start, which a GC pause on a busy CI machine delayed by 3 ms (17.3 ms apart for 20).
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - t0).to.be.at.least(i * 20);
    // Late timers may catch up, but starts never bunch: the scheduler keeps half an interval (10 ms) between the real
    // starts; a task runs a moment after its start, so 5 ms of that may be lost to a pause between the two.
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).to.be.at.least(5);
  });

  it('never runs more tasks at once than its concurrency', async () => {
    const s = new Scheduler(3, null);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        s.run(async () => {
          peak = Math.max(peak, ++running);
          await sleep(2);
          running--;
        }),
      ),
    );
    expect(peak).to.equal(3);
  });

  it('holds every later request back after pauseUntil (Retry-After)', async () => {
    const s = new Scheduler(4, null);
    const until = Date.now() + 60;
    s.pauseUntil(until);
    const started: number[] = [];
    await Promise.all([1, 2].map(() => s.run(async () => void started.push(Date.now()))));
    for (const t of started) expect(t).to.be.at.least(until - 1);
  });

  it('gives up a paced wait when the caller aborts', async () => {
    const s = new Scheduler(1, 60); // 1 s apart
    await s.run(async () => undefined);
    const ac = new AbortController();
    const waiting = s.run(async () => 'late', ac.signal);
    ac.abort();
    await waiting.then(() => expect.fail('should abort'), (e) => expect(e.name).to.equal('AbortError'));
  });
});
