import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, cliEnvFor } from '../../support/cli.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { loadScenarioIntoDb, type ScenarioJson } from './scenario-db.js';

const scenario: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-02-01', taxRate: '0.10',
  lines: [
    { id: 'm365', description: 'Microsoft 365 Business Premium', timing: 'advance', unitPrice: '22.00', links: [{ subscription: 's1' }] },
    { id: 'azure', description: 'Azure plan (Usage Summary)', timing: 'usage', usageSummary: 'u1' },
  ],
  subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 15 }] }],
  usage: [{ usageSummary: 'u1', month: '2025-12', charges: '118.40' }, { usageSummary: 'u1', month: '2026-01', charges: '131.07' }],
};

describeWithDatabase('invoices: CLI', { shared: true, tenant: 'acme', timeout: 300_000 }, (db) => {
  it('billing daily, invoices run/list/explain/render/approve/export, recurring-invoices list', async () => {
    await loadScenarioIntoDb(db.scope, scenario);
    const env = cliEnvFor(db.target);
    const cli = (...args: string[]) => runCli([...args, '--tenant', 'acme'], env);

    const daily = await cli('billing', 'daily', '--date', '2026-01-15', '--json');
    expect(daily.code, daily.stderr).to.equal(0);
    expect(JSON.parse(daily.stdout)).to.include({ lineChanges: 2, adjustmentsCreated: 1 });
    expect((await cli('billing', 'daily', '--date', '2026-01-15')).stdout).to.match(/nothing to do/);
    expect((await cli('billing', 'daily', '--date', '15/01/2026')).code).to.equal(2);

    const run = await cli('invoices', 'run', '--date', '2026-02-01', '--json');
    expect(run.code, run.stderr).to.equal(0);
    const created = (JSON.parse(run.stdout) as { created: { id: string; status: string; periodStart: string }[] }).created;
    expect(created.map((c) => [c.periodStart, c.status])).to.deep.equal([['2026-01-01', 'draft'], ['2026-02-01', 'draft']]);
    const feb = created[1]!.id;

    const explain = await cli('invoices', 'explain', feb);
    expect(explain.code, explain.stderr).to.equal(0);
    expect(explain.stdout).to.include('5 × 22.00 × 21/31 = 74.52');
    expect(explain.stdout).to.include('Held as a draft for review');

    const out = path.join(mkdtempSync(path.join(tmpdir(), 'recurra-html-')), 'feb.html');
    expect((await cli('invoices', 'render', feb, '--out', out)).code).to.equal(0);
    expect(readFileSync(out, 'utf8')).to.include('Draft – held for review');

    const approve = await cli('invoices', 'approve', feb);
    expect(approve.code, approve.stderr).to.equal(0);
    expect(approve.stdout).to.include('INV-000001');
    const again = await cli('invoices', 'approve', feb);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include('already issued');
    expect((await cli('invoices', 'explain', 'no-such-invoice')).code).to.equal(1);

    const list = JSON.parse((await cli('invoices', 'list', '--json')).stdout) as { status: string }[];
    expect(list.map((i) => i.status).sort()).to.deep.equal(['draft', 'issued']);
    const csv = await cli('invoices', 'export', '--format', 'qbo');
    expect(csv.code, csv.stderr).to.equal(0);
    expect(csv.stdout.trim().split('\n')).to.have.length(4);
    expect((await cli('invoices', 'export', '--format', 'pdf')).code).to.equal(2);

    const ris = JSON.parse((await cli('recurring-invoices', 'list', '--json')).stdout) as { nextInvoiceDate: string; lines: number }[];
    expect(ris).to.deep.equal([{ ...ris[0], customer: 'Contoso', nextInvoiceDate: '2026-03-01', lines: 2 }]);
  });
});
