import { expect } from 'chai';
import { ago, invoiceRunPanel, jobTitle, progressPanel } from '../../../src/http/web/progress.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const minus = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

describe('web: the progress panel of long actions', () => {
  it('says when something started in words', () => {
    expect(ago(minus(3_000), NOW, 'UTC')).to.equal('just now');
    expect(ago(minus(40_000), NOW, 'UTC')).to.equal('40 seconds ago');
    expect(ago(minus(60_000), NOW, 'UTC')).to.equal('1 minute ago');
    expect(ago(minus(3 * 3600_000), NOW, 'UTC')).to.equal('3 hours ago');
    expect(ago(minus(3 * 86400_000), NOW, 'Europe/London')).to.equal('on 4 Dec 2026, 10:00 Europe/London');
  });

  it('names jobs in words', () => {
    expect(jobTitle('sync:subscriptions')).to.equal('Sync of subscriptions');
    expect(jobTitle('billing:daily')).to.equal('Daily billing pass and invoice run');
  });

  it('lists running runs with their step and counts, queued or running jobs, else the last finished run', () => {
    const running = {
      id: 'r1', status: 'running', dryRun: false, entities: ['customers'], startedAt: minus(120_000),
      counts: { customers: { created: 2, updated: 0, unchanged: 7, deactivated: 0, skipped: 0, errors: 1 } },
      message: JSON.stringify({ progress: { entity: 'customers', done: 1500, total: null, message: null, at: minus(1_000) } }),
    };
    const jobs = [
      { name: 'sync:usage', state: 'queued', lastRunAt: null },
      { name: 'sync:customers', state: 'running', lastRunAt: minus(120_000) },
      { name: 'billing:daily', state: 'repeating', lastRunAt: null },
    ];
    const p = progressPanel('t1', [running], jobs, NOW, 'UTC');
    expect(p.active).to.equal(true);
    expect(p.running).to.deep.equal(['r1']);
    expect(p.items.map((i) => i.title)).to.deep.equal(['Import (customers)', 'Sync of usage']);
    expect(p.items[0]).to.include({ doing: 'customers: 1,500 records read', started: '2 minutes ago', link: '/t/t1/imports/r1' });
    expect(p.items[0]!.counts).to.deep.equal(['customers: 2 created, 7 unchanged, 1 error']);
    expect(p.items[1]).to.include({ state: 'queued', doing: 'waiting for the scheduler to start it' });

    const done = progressPanel('t1', [{ ...running, status: 'partial', message: '{}' }], [], NOW, 'UTC');
    expect(done).to.include({ active: false });
    expect(done.items).to.deep.equal([]);
    expect(done.last).to.include({ title: 'Import (customers)', state: 'partial', link: '/t/t1/imports/r1' });
  });
});

describe('web: the progress panel of invoice runs', () => {
  const run = (patch: Record<string, unknown>) => ({
    id: 'v1', date: '2026-12-07', allowFuture: false, status: 'queued', queuedAt: minus(5_000), startedAt: null, finishedAt: null, outcome: null, error: null, ...patch,
  });

  it('follows a queued or running run, and keeps asking', () => {
    const queued = invoiceRunPanel('t1', [run({})], NOW, 'UTC');
    expect(queued).to.include({ active: true });
    expect(queued.items[0]).to.include({ title: 'Invoice run for 7 Dec 2026', state: 'queued', doing: 'waiting for the scheduler to start it', started: 'just now' });
    const running = invoiceRunPanel('t1', [run({ status: 'running', startedAt: minus(120_000), allowFuture: true })], NOW, 'UTC');
    expect(running.items[0]).to.include({ title: 'Invoice run for 7 Dec 2026 (forward-dated allowed)', state: 'running', started: '2 minutes ago' });
    expect(running.running).to.deep.equal(['v1']);
  });

  it('says what the last run came to: how many invoices, drafts and failures, or why it failed', () => {
    const done = invoiceRunPanel('t1', [run({
      status: 'succeeded', startedAt: minus(60_000), outcome: { created: 1, drafts: 0, issued: 1, alreadyInvoiced: 2, failed: [{ recurringInvoiceId: 'ri', periodStart: '2026-12-01', message: 'no price' }] },
    })], NOW, 'UTC');
    expect(done).to.include({ active: false });
    expect(done.last).to.include({ state: 'succeeded', link: '/t/t1/invoices?to=2026-12-07' });
    expect(done.last!.counts).to.deep.equal(['1 invoice created (0 drafts to review, 1 issued)', '2 already invoiced', 'Not invoiced (period from 2026-12-01): no price']);
    const failed = invoiceRunPanel('t1', [run({ status: 'failed', error: 'the database went away' }), run({ id: 'v0', status: 'succeeded' })], NOW, 'UTC');
    expect(failed.last).to.include({ state: 'failed' });
    expect(failed.last!.counts).to.deep.equal(['Failed: the database went away']);
  });
});
