import { expect } from 'chai';
import type { OpenConnection } from '../../../src/accounting/access.js';
import type { AccountingConnector } from '../../../src/accounting/connector.js';
import { forgetKeptLists, keptList } from '../../../src/accounting/vendor-lists.js';

const conn = (accessToken: string, organisationId = 'org-1'): OpenConnection => ({ connector: {} as AccountingConnector, session: { accessToken, organisationId } });

describe('accounting: the vendor lists a page shows are kept for a minute', () => {
  it('reads the vendor once per minute per grant, again after a contact was created, and never keeps a failure', async () => {
    let reads = 0;
    const load = async () => [`contacts read ${++reads}`];
    const t0 = 1_000_000;
    const a = conn('token-a');
    expect(await keptList(a, 'xero', 'contacts', load, t0)).to.deep.equal(['contacts read 1']);
    expect(await keptList(a, 'xero', 'contacts', load, t0 + 59_000), 'within the minute').to.deep.equal(['contacts read 1']);
    expect(await keptList(conn('token-b'), 'xero', 'contacts', load, t0 + 1_000), 'another grant reads its own').to.deep.equal(['contacts read 2']);
    expect(await keptList(a, 'quickbooks', 'contacts', load, t0 + 1_000), 'another vendor reads its own').to.deep.equal(['contacts read 3']);
    expect(await keptList(a, 'xero', 'contacts', load, t0 + 60_000), 'after the minute').to.deep.equal(['contacts read 4']);
    forgetKeptLists(a, 'xero');
    expect(await keptList(a, 'xero', 'contacts', load, t0 + 61_000), 'after Recurra created a contact').to.deep.equal(['contacts read 5']);

    const failing = conn('token-c');
    let err: unknown = null;
    await keptList(failing, 'xero', 'taxRates', async () => { throw new Error('Xero is down'); }, t0).catch((e: unknown) => { err = e; });
    expect((err as Error).message).to.equal('Xero is down');
    expect(await keptList(failing, 'xero', 'taxRates', load, t0 + 1_000), 'the failure was not kept').to.deep.equal(['contacts read 6']);
  });
});
