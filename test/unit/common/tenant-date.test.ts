import { expect } from 'chai';
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import { localDateOf } from '../../../src/billing/localdate.js';
import { clockFrom, type Clock } from '../../../src/common/clock.js';
import { monthOf, pax8DateToTenantDate, tenantDate, tenantToday } from '../../../src/common/tenant-date.js';

dayjs.extend(utc);
dayjs.extend(timezone);

const at = (instant: string): Clock => () => new Date(instant);

describe('common: tenant calendar dates', () => {
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

  it('today in the tenant\'s zone is read from the injected clock, across the date line', () => {
    // 11:30 UTC on 31 December: already New Year's Day in Auckland (UTC+13 in summer), still the 31st in Los Angeles.
    const nye = at('2026-12-31T11:30:00Z');
    expect(tenantToday({ timeZone: 'Pacific/Auckland' }, nye)).to.equal('2027-01-01');
    expect(tenantToday({ timeZone: 'America/Los_Angeles' }, nye)).to.equal('2026-12-31');
    expect(tenantToday({ timeZone: 'UTC' }, nye)).to.equal('2026-12-31');
    // 07:59 UTC on 1 January is 23:59 on New Year's Eve in Los Angeles (UTC-8); a minute later it is the new year.
    expect(tenantToday({ timeZone: 'America/Los_Angeles' }, at('2027-01-01T07:59:00Z'))).to.equal('2026-12-31');
    expect(tenantToday({ timeZone: 'America/Los_Angeles' }, at('2027-01-01T08:00:00Z'))).to.equal('2027-01-01');
  });

  it('today lands on 29 February of a leap year in each zone at its own midnight', () => {
    // Auckland (UTC+13 in February) enters the 29th at 11:00 UTC on the 28th; Los Angeles (UTC-8) at 08:00 UTC on the 29th.
    expect(tenantToday({ timeZone: 'Pacific/Auckland' }, at('2028-02-28T10:59:59Z'))).to.equal('2028-02-28');
    expect(tenantToday({ timeZone: 'Pacific/Auckland' }, at('2028-02-28T11:00:00Z'))).to.equal('2028-02-29');
    expect(tenantToday({ timeZone: 'America/Los_Angeles' }, at('2028-02-29T07:59:59Z'))).to.equal('2028-02-28');
    expect(tenantToday({ timeZone: 'America/Los_Angeles' }, at('2028-02-29T08:00:00Z'))).to.equal('2028-02-29');
    expect(tenantToday({ timeZone: 'America/Los_Angeles' }, at('2028-03-01T07:59:59Z'))).to.equal('2028-02-29');
    expect(monthOf(tenantToday({ timeZone: 'Pacific/Auckland' }, at('2028-02-29T11:00:00Z')))).to.equal('2028-03');
  });

  it('a tenant without a zone is on UTC, and a moving clock is followed', () => {
    expect(tenantToday({ timeZone: '' }, at('2026-06-30T23:59:59Z'))).to.equal('2026-06-30');
    expect(tenantToday({ timeZone: null }, clockFrom('2026-07-01T00:00:00Z'))).to.equal('2026-07-01');
  });

  it('billing\'s localDateOf gives the same dates as the dayjs conversion it used before, and stays strict', () => {
    const zones = ['UTC', 'Pacific/Auckland', 'America/Los_Angeles', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Kiritimati'];
    for (let i = 0; i < 5_000; i++) {
      const iso = new Date(Date.UTC(2024, 0, 1) + i * 7_919_000).toISOString();
      const zone = zones[i % zones.length]!;
      expect(localDateOf(iso, zone)).to.equal(dayjs.utc(iso).tz(zone).format('YYYY-MM-DD'));
    }
    expect(localDateOf('2026-03-31T23:30:00-04:00', 'UTC')).to.equal('2026-04-01');
    expect(() => localDateOf('2026-03-31T23:30:00', 'UTC')).to.throw(/instant/);
  });
});
