import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parseScenario } from '../../../src/billing/scenario/load.js';
import { scenarioOutput } from '../../../src/billing/scenario/output.js';
import { invoicesThrough } from '../../../src/billing/simulate.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const example = () => fixture('spec-example.scenario.json') as Record<string, any>;

function run(input: unknown) {
  const result = parseScenario(input);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return scenarioOutput(invoicesThrough(result.scenario.context, result.scenario.through));
}

function errorsOf(mutate: (s: Record<string, any>) => void): string[] {
  const s = example();
  mutate(s);
  const result = parseScenario(s);
  if (result.ok) throw new Error('expected the scenario to be rejected');
  return result.errors;
}

/** Every object's keys, depth first, so key order is compared too. */
function keyOrder(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keyOrder);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keyOrder(v)]);
  return [];
}

describe('billing/scenario', () => {
  it('reproduces the worked example of the billing rules exactly, keys in the documented order', () => {
    const expected = fixture('spec-example.expected.json');
    const actual = run(example());
    expect(actual).to.deep.equal(expected);
    expect(keyOrder(actual)).to.deep.equal(keyOrder(expected));
  });

  it('free/minimum/cancelled and arrears through a scenario', () => {
    const s = example();
    s.through = '2026-03-01';
    s.lines = [
      { id: 'seats', unitPrice: '10.00', timing: 'advance', prorata: 'none', links: [{ subscription: 's1', free: 2, minimum: 5 }] },
      { id: 'backup', unitPrice: '3.10', timing: 'arrears', links: [{ subscription: 's1' }] },
    ];
    s.subscriptions = [{ id: 's1', changes: [
      { date: '2026-01-01', quantity: 3 },
      { date: '2026-02-01', quantity: 9 },
      { date: '2026-02-15', status: 'Cancelled' },
    ] }];
    const out = run(s).invoices.map((i) => i.lines.map((l) => `${l.line}:${l.kind}:${l.quantity}:${l.amount}`));
    expect(out).to.deep.equal([
      ['seats:recurring:5:50.00'],
      ['seats:recurring:7:70.00', 'backup:arrears:3:9.30'],
      // February: 9 for 14 days, then cancelled → 126/28 = 4.5; 3.10 × 4.5 = 13.95
      ['seats:recurring:0:0.00', 'backup:arrears:4.5:13.95'],
    ]);
  });

  it('a flagged line carries its review reasons after "to"; other lines keep the documented keys', () => {
    const s = example();
    s.subscriptions[0].currency = 'EUR';
    const line = run(s).invoices[0]!.lines[0]!;
    expect(Object.keys(line)).to.deep.equal(['line', 'kind', 'quantity', 'unitPrice', 'amount', 'from', 'to', 'review']);
    expect(line.review).to.deep.equal(['subscription s1 is in EUR, the invoice is in USD; not converted']);
  });

  it('reads a timestamp on the tenant\'s local date', () => {
    const s = example();
    s.timezone = 'America/New_York';
    // 2026-01-11T03:00Z is still 2026-01-10 in New York: 22 days left of 31
    s.subscriptions[0].changes[1] = { timestamp: '2026-01-11T03:00:00Z', quantity: 15 };
    const prorata = run(s).invoices[1]!.lines.find((l) => l.kind === 'prorata')!;
    expect([prorata.from, prorata.amount]).to.deep.equal(['2026-01-10', '78.06']);
  });

  it('quarterly periods are placed by the start date\'s month', () => {
    const s = example();
    Object.assign(s, { frequency: 'quarterly', anchorDay: 31, startDate: '2026-02-28', through: '2026-06-01' });
    s.lines = [s.lines[0]];
    s.subscriptions[0].changes = [{ date: '2026-02-28', quantity: 10 }, { date: '2026-03-31', quantity: 15 }];
    const invoices = run(s).invoices;
    expect(invoices.map((i) => [i.periodStart, i.periodEnd])).to.deep.equal([['2026-02-28', '2026-05-31'], ['2026-05-31', '2026-08-31']]);
    // 5 × 22 × (May 31 − Mar 31 = 61) / 92 = 72.934…
    expect(invoices[1]!.lines.map((l) => `${l.kind}:${l.amount}`)).to.deep.equal(['recurring:330.00', 'prorata:72.93']);
  });

  it('accepts and ignores an arrears line\'s pro-rata option (arrears lines are billed by the day already)', () => {
    const arrears = (prorata?: string) => {
      const s = example();
      s.lines[0].timing = 'arrears';
      if (prorata === undefined) delete s.lines[0].prorata;
      else s.lines[0].prorata = prorata;
      return run(s);
    };
    const without = arrears();
    expect(without.invoices[1]!.lines.some((l) => l.kind === 'arrears')).to.equal(true);
    for (const option of ['from_change_date', 'increases_only', 'none']) {
      expect(arrears(option), option).to.deep.equal(without);
    }
  });

  describe('validation names the field and says what is wrong', () => {
    const cases: [string, (s: Record<string, any>) => void, string][] = [
      ['negative free', (s) => (s.lines[0].links[0].free = -1), 'lines[0].links[0].free: must be a non-negative number, got -1'],
      ['price as a number', (s) => (s.lines[0].unitPrice = 22), 'lines[0].unitPrice: must be a decimal string with at most 6 places'],
      ['too many places', (s) => (s.lines[0].unitPrice = '1.1234567'), 'lines[0].unitPrice: must be a decimal string with at most 6 places'],
      ['missing currency', (s) => delete s.currency, 'currency: is required'],
      ['bad timing', (s) => (s.lines[1].timing = 'monthly'), 'lines[1].timing: must be one of "advance", "arrears", "usage", got "monthly"'],
      ['unknown key with hint', (s) => { s.lines[0].unitprice = '1'; }, 'lines[0].unitprice: unknown field (did you mean "unitPrice"?)'],
      ['impossible date', (s) => (s.subscriptions[0].changes[1].date = '2026-02-30'), 'subscriptions[0].changes[1].date: must be a calendar date "YYYY-MM-DD", got "2026-02-30"'],
      ['anchor day', (s) => (s.anchorDay = 32), 'anchorDay: must be a whole number from 1 to 31, got 32'],
      ['start not a period start', (s) => (s.startDate = '2026-01-05'), 'startDate: 2026-01-05 is not a period start for anchorDay 1'],
      ['through before start', (s) => (s.through = '2025-12-01'), 'through: 2025-12-01 is before startDate 2026-01-01'],
      ['unknown subscription', (s) => (s.lines[0].links[0].subscription = 's9'), 'lines[0].links[0].subscription: unknown subscription "s9" (known: s1)'],
      ['no price', (s) => delete s.lines[0].unitPrice, 'lines[0].unitPrice: is required (or set "followPrice": true'],
      ['follow without prices', (s) => { delete s.lines[0].unitPrice; s.lines[0].followPrice = true; }, 'lines[0].followPrice: follows the price of subscription "s1", but none of its changes gives a "price"'],
      ['links on usage', (s) => (s.lines[1].links = []), 'lines[1].links: a usage line bills its usage summary\'s monthly charges'],
      ['changes out of order', (s) => s.subscriptions[0].changes.push({ date: '2026-01-05', quantity: 1 }), 'subscriptions[0].changes[2].date: 2026-01-05 is before the previous change (2026-01-11)'],
      ['both date and timestamp', (s) => (s.subscriptions[0].changes[0].timestamp = '2026-01-01T00:00:00Z'), 'subscriptions[0].changes[0].timestamp: give either "date" or "timestamp", not both'],
      ['timestamp without offset', (s) => (s.subscriptions[0].changes[1] = { timestamp: '2026-01-11T10:00:00', quantity: 1 }), 'subscriptions[0].changes[1].timestamp: must be an ISO 8601 instant with an offset'],
      ['bad zone', (s) => (s.timezone = 'Europe/Londn'), 'timezone: unknown IANA time zone "Europe/Londn"'],
      ['duplicate line id', (s) => (s.lines[1].id = 'm365'), 'lines[1].id: "m365" is already used by lines[0]'],
      ['duplicate snapshot', (s) => s.usage.push({ usageSummary: 'u1', month: '2026-01', charges: '1' }), 'usage[2]: a snapshot for u1 in 2026-01 is already given by usage[1]'],
      ['bad status', (s) => (s.subscriptions[0].changes[1].status = 'cancelled'), 'subscriptions[0].changes[1].status: must be one of "Active", "Cancelled"'],
      ['empty change', (s) => (s.subscriptions[0].changes[1] = { date: '2026-01-11' }), 'subscriptions[0].changes[1]: changes nothing'],
      ['not an object', (s) => { s.lines[0] = 'm365'; }, 'lines[0]: must be an object'],
      ['tax rate as a percentage', (s) => (s.taxRate = '10'), 'taxRate: 10 would be 1000%; write a rate as a fraction'],
      ['no lines', (s) => (s.lines = []), 'lines: needs at least one line'],
    ];
    for (const [name, mutate, message] of cases) {
      it(name, () => {
        const errors = errorsOf(mutate);
        expect(errors.some((e) => e.startsWith(message)), `got:\n${errors.join('\n')}`).to.equal(true);
      });
    }

    it('reports every problem at once', () => {
      const errors = errorsOf((s) => { s.anchorDay = 0; s.lines[0].links[0].minimum = 'x'; });
      expect(errors).to.have.length(2);
    });

    it('rejects a top level that is not an object', () => {
      const result = parseScenario([1]);
      expect(result.ok).to.equal(false);
      expect(!result.ok && result.errors).to.deep.equal(['scenario: must be a JSON object']);
    });
  });
});
