import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { lineFor, statusOf } from '../../../src/accounting/connectors/quickbooks.js';
import { qboLiteral, whereEq, whereIn } from '../../../src/quickbooks/client/index.js';
import { parseQuery, QueryParseError } from '../../../src/quickbooks/sandbox/query.js';

describe('QuickBooks query language: what the client writes, the sandbox reads back', () => {
  it('reads the client\'s statements: WHERE =, IN, AND, ORDERBY, STARTPOSITION, MAXRESULTS, any keyword case', () => {
    expect(parseQuery(`SELECT * FROM Invoice WHERE ${whereEq('DocNumber', 'INV-000123')} STARTPOSITION 1 MAXRESULTS 10`)).to.deep.equal({
      entity: 'Invoice', where: [{ field: 'DocNumber', op: '=', values: ['INV-000123'] }], orderBy: null, startPosition: 1, maxResults: 10,
    });
    const q = parseQuery(`select * from CreditMemo where ${whereIn('Id', ['1', '22'])} and Active = true orderby Id desc`);
    expect(q.where).to.deep.equal([{ field: 'Id', op: 'IN', values: ['1', '22'] }, { field: 'Active', op: '=', values: ['true'] }]);
    expect(q.orderBy).to.deep.equal({ field: 'Id', desc: true });
    expect(q.maxResults).to.equal(100);
  });

  it('round-trips quotes and backslashes in literals', () => {
    const name = "O'Brien \\ Sons";
    expect(qboLiteral(name)).to.equal("'O\\'Brien \\\\ Sons'");
    expect(parseQuery(`SELECT * FROM Customer WHERE ${whereEq('DisplayName', name)}`).where[0]!.values).to.deep.equal([name]);
  });

  it('refuses what it does not support, saying where', () => {
    for (const bad of ['SELECT Id FROM Invoice', "SELECT * FROM Invoice WHERE DocNumber LIKE '%1'", "SELECT * FROM Invoice WHERE DocNumber = 'x", 'SELECT * FROM Invoice STARTPOSITION 0', 'SELECT * FROM Invoice MAXRESULTS 10 extra']) {
      expect(() => parseQuery(bad), bad).to.throw(QueryParseError);
    }
  });
});

describe('QuickBooks connector: lines and status', () => {
  const line = (q: string, u: string, a: string) => ({
    description: 'x', quantity: new Decimal(q), unitAmount: new Decimal(u), amount: new Decimal(a), ledgerRef: '1', taxCode: null, taxAmount: new Decimal(0), serviceDate: null,
  });

  it('keeps Qty and UnitPrice when they give the amount; else states the unit price that does; NON when the line has no tax code', () => {
    expect(lineFor(line('10', '22', '220')).SalesItemLineDetail).to.deep.equal({ ItemRef: { value: '1' }, TaxCodeRef: { value: 'NON' }, Qty: 10, UnitPrice: 22 });
    const prorata = lineFor(line('3', '10', '11.29')).SalesItemLineDetail;
    expect(prorata.Qty).to.equal(3);
    expect(new Decimal(prorata.UnitPrice!).times(3).toDecimalPlaces(2).toString()).to.equal('11.29');
    expect(lineFor(line('0', '5', '4')).SalesItemLineDetail).to.not.have.property('Qty');
  });

  it('reads the status from Balance and TotalAmt, and a void from Intuit\'s PrivateNote', () => {
    expect(statusOf({ TotalAmt: 100, Balance: 100 })).to.equal('open');
    expect(statusOf({ TotalAmt: 100, Balance: 40 })).to.equal('partly_paid');
    expect(statusOf({ TotalAmt: 100, Balance: 0 })).to.equal('paid');
    expect(statusOf({ TotalAmt: 0, Balance: 0, PrivateNote: 'Voided - was INV-1' })).to.equal('voided');
  });
});
