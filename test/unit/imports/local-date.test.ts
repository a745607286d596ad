import { expect } from 'chai';
import { pax8DateToTenantDate, tenantDate } from '../../../src/imports/local-date.js';

describe('imports: Pax8 dates as tenant calendar dates', () => {
  it('takes date-only values as they are and converts instants into the zone', () => {
    expect(pax8DateToTenantDate('2026-03-01', 'Pacific/Auckland')).to.equal('2026-03-01');
    expect(pax8DateToTenantDate(null, 'UTC')).to.equal(null);
    expect(pax8DateToTenantDate('2026-02-28T23:30:00Z', 'UTC')).to.equal('2026-02-28');
    expect(pax8DateToTenantDate('2026-02-28T23:30:00Z', 'Europe/Berlin')).to.equal('2026-03-01');
    expect(pax8DateToTenantDate('2024-03-01T03:00:00Z', 'America/Denver')).to.equal('2024-02-29');
    expect(pax8DateToTenantDate('2026-11-25T09:30:00.000+0100', 'UTC')).to.equal('2026-11-25');
  });

  it('gives the same value a different date in another zone (remembered conversions are per zone)', () => {
    const v = '2026-11-01T07:30:00Z'; // the US DST change: 00:30 PDT in Los Angeles, 16:30 in Tokyo
    for (let round = 0; round < 2; round++) {
      expect(pax8DateToTenantDate(v, 'Asia/Tokyo')).to.equal('2026-11-01');
      expect(pax8DateToTenantDate(v, 'America/Los_Angeles')).to.equal('2026-11-01');
      expect(pax8DateToTenantDate(v, 'Pacific/Honolulu')).to.equal('2026-10-31');
    }
  });

  it('agrees with tenantDate for many instants and zones, over more values than it remembers', () => {
    const zones = ['UTC', 'Australia/Sydney', 'America/New_York', 'Asia/Kolkata'];
    for (let i = 0; i < 25_000; i++) {
      const iso = new Date(Date.UTC(2024, 0, 1) + i * 3_541_000).toISOString();
      const zone = zones[i % zones.length]!;
      expect(pax8DateToTenantDate(iso, zone)).to.equal(tenantDate(iso, zone));
    }
  });

  it('refuses a value that is not a date', () => {
    expect(() => pax8DateToTenantDate('soon', 'UTC')).to.throw(RangeError, /not a date/);
  });
});
