import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Scheduler } from '../../src/pax8/client/scheduler.js';

describe('pax8 scheduler', () => {
  it('paces request starts at 60 000 / rate ms even when many are queued', async () => {
    const s = new Scheduler(8, 3000); // 20 ms apart, plus the 1 % margin
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 12 }, () => s.run(async () => void starts.push(performance.now()))));
    starts.sort((a, b) => a - b);
    // The timeline is ideal (late timers may catch up) but never closer than half an interval.
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).to.be.at.least(10);
    // Start k is never before its slot on the timeline: first slot + k intervals. The first start is measured a moment
    // after its slot (the task has to begin), so up to 1 ms of that is allowed (a run failed at 39.7 ms for 40).
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[0]!).to.be.at.least(i * 20 - 1);
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
