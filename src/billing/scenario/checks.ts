import { isPeriodStart, periodContaining, nextPeriod, type Schedule } from '../periods.js';
import { isTimeZone, localDateOf } from '../localdate.js';
import { dateParts } from '../dates.js';
import { dec } from '../decimal.js';
import { issue } from './issues.js';
import type { ScenarioInput } from './schema.js';

export function scheduleOf(input: ScenarioInput): Schedule {
  return { frequency: input.frequency, anchorDay: input.anchorDay, anchorMonth: dateParts(input.startDate).month };
}

type Change = NonNullable<ScenarioInput['subscriptions']>[number]['changes'][number];

/** A change's local calendar date: its date, or its timestamp's date in the tenant's zone. */
export function changeDate(change: Change, zone: string): string | undefined {
  if (change.date !== undefined) return change.date;
  return change.timestamp === undefined ? undefined : localDateOf(change.timestamp, zone);
}

function checkRate(rate: string | undefined, path: (string | number)[], errors: string[]): void {
  if (rate !== undefined && dec(rate).greaterThan(1)) {
    errors.push(issue(path, `${rate} would be ${dec(rate).mul(100).toString()}%; write a rate as a fraction, e.g. "0.10" for 10%`));
  }
}

function checkCalendar(input: ScenarioInput, errors: string[]): void {
  if (input.timezone !== undefined && !isTimeZone(input.timezone)) {
    errors.push(issue(['timezone'], `unknown IANA time zone ${JSON.stringify(input.timezone)} (e.g. "UTC", "Europe/London", "America/New_York")`));
  }
  const schedule = scheduleOf(input);
  if (!isPeriodStart(schedule, input.startDate)) {
    const period = periodContaining(schedule, input.startDate);
    errors.push(issue(['startDate'], `${input.startDate} is not a period start for anchorDay ${input.anchorDay}; the nearest period starts are ${period.start} and ${nextPeriod(schedule, input.startDate).start}`));
  }
  checkRate(input.taxRate, ['taxRate'], errors);
  if (input.through < input.startDate) errors.push(issue(['through'], `${input.through} is before startDate ${input.startDate}`));
}

function checkSubscriptions(input: ScenarioInput, errors: string[]): void {
  const zone = input.timezone ?? 'UTC';
  const seen = new Map<string, number>();
  (input.subscriptions ?? []).forEach((sub, s) => {
    const first = seen.get(sub.id);
    if (first !== undefined) errors.push(issue(['subscriptions', s, 'id'], `"${sub.id}" is already used by subscriptions[${first}]`));
    else seen.set(sub.id, s);
    let previous: string | undefined;
    sub.changes.forEach((change, c) => {
      const path = ['subscriptions', s, 'changes', c];
      if (change.date !== undefined && change.timestamp !== undefined) {
        errors.push(issue([...path, 'timestamp'], 'give either "date" or "timestamp", not both'));
      }
      if (change.date === undefined && change.timestamp === undefined) {
        errors.push(issue([...path, 'date'], 'is required (a "YYYY-MM-DD" date, or a "timestamp" instead)'));
      }
      if (change.quantity === undefined && change.status === undefined && change.price === undefined) {
        errors.push(issue(path, 'changes nothing; give a "quantity", "status" or "price"'));
      }
      const date = changeDate(change, zone);
      if (date !== undefined && previous !== undefined && date < previous) {
        const field = change.date !== undefined ? 'date' : 'timestamp';
        errors.push(issue([...path, field], `${date} is before the previous change (${previous}); list changes in the order they happened`));
      }
      if (date !== undefined) previous = date;
    });
  });
}

function checkLines(input: ScenarioInput, errors: string[]): void {
  const subscriptions = new Map((input.subscriptions ?? []).map((s) => [s.id, s]));
  const known = [...subscriptions.keys()].join(', ') || 'none';
  const ids = new Map<string, number>();
  input.lines.forEach((line, l) => {
    const at = (...rest: (string | number)[]) => ['lines', l, ...rest];
    const first = ids.get(line.id);
    if (first !== undefined) errors.push(issue(at('id'), `"${line.id}" is already used by lines[${first}]`));
    else ids.set(line.id, l);
    checkRate(line.taxRate, at('taxRate'), errors);

    if (line.timing === 'usage') {
      if (line.usageSummary === undefined) errors.push(issue(at('usageSummary'), 'is required for a usage line (the usage summary whose monthly charges it bills)'));
      for (const field of ['links', 'unitPrice', 'followPrice', 'prorata'] as const) {
        if (line[field] !== undefined) errors.push(issue(at(field), `a usage line bills its usage summary's monthly charges; remove "${field}"`));
      }
      return;
    }
    if (line.usageSummary !== undefined) errors.push(issue(at('usageSummary'), `only usage lines have a usage summary; this line's timing is "${line.timing}"`));
    // Every in-advance or arrears line has a pro-rata option (docs/billing-rules.md); an arrears line's is accepted and
    // ignored: it is billed by the day already (prorataAdjustments gives it none), so a line copied from an in-advance one stays valid.
    const follow = line.followPrice === true;
    if (follow && line.unitPrice !== undefined) errors.push(issue(at('followPrice'), 'cannot be combined with "unitPrice"; keep one of them'));
    if (!follow && line.unitPrice === undefined) errors.push(issue(at('unitPrice'), 'is required (or set "followPrice": true to bill the primary subscription\'s price)'));
    if (line.links === undefined || line.links.length === 0) {
      errors.push(issue(at('links'), `needs at least one linked subscription for an ${line.timing === 'advance' ? 'in-advance' : 'arrears'} line`));
      return;
    }
    const linked = new Map<string, number>();
    line.links.forEach((link, k) => {
      const other = linked.get(link.subscription);
      if (other !== undefined) errors.push(issue(at('links', k, 'subscription'), `"${link.subscription}" is already linked by links[${other}]`));
      else linked.set(link.subscription, k);
      if (!subscriptions.has(link.subscription)) errors.push(issue(at('links', k, 'subscription'), `unknown subscription "${link.subscription}" (known: ${known})`));
    });
    const primary = subscriptions.get(line.links[0]!.subscription);
    if (follow && primary && !primary.changes.some((c) => c.price !== undefined)) {
      errors.push(issue(at('followPrice'), `follows the price of subscription "${primary.id}", but none of its changes gives a "price"`));
    }
  });
}

function checkUsage(input: ScenarioInput, errors: string[]): void {
  const seen = new Map<string, number>();
  (input.usage ?? []).forEach((u, i) => {
    const key = `${u.usageSummary} ${u.month}`;
    const first = seen.get(key);
    if (first !== undefined) errors.push(issue(['usage', i], `a snapshot for ${u.usageSummary} in ${u.month} is already given by usage[${first}]`));
    else seen.set(key, i);
  });
}

/** Rules a well-formed scenario must also satisfy; one message per problem. */
export function checkScenario(input: ScenarioInput): string[] {
  const errors: string[] = [];
  checkCalendar(input, errors);
  if (errors.some((e) => e.startsWith('timezone:'))) return errors;
  checkSubscriptions(input, errors);
  checkLines(input, errors);
  checkUsage(input, errors);
  return errors;
}
