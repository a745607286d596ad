import { expect } from 'chai';
import { summarize } from '../../../src/cli/commands/import.js';
import type { ImportRunView } from '../../../src/imports/run-view.js';

describe('recurra import summary', () => {
  const run: ImportRunView = {
    id: 'r1', tenantId: 't1', entities: ['usage'], trigger: 'cli', startedBy: 'test', startedAt: '2026-11-16T04:00:00.000Z', finishedAt: null,
    status: 'succeeded', dryRun: false, counts: {}, details: { usageReads: { reasons: { changed: 38, unchanged: 1, month_close: 1 }, days: 183 } },
  };
  it('says how many usage days the run asked Pax8 for, and why each summary was read or not', () => {
    expect(summarize(run)).to.include('  usage days asked for: 183 (summaries: changed 38, unchanged 1, month close 1)\n');
  });
  it('says nothing of usage reads for a run without a usage step', () => {
    expect(summarize({ ...run, details: {} })).to.not.include('usage days');
  });
});
