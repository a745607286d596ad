import { dec } from '../decimal.js';
import type { CalendarDate } from '../dates.js';
import { historyOf, type SubscriptionChange, type SubscriptionHistory } from '../history.js';
import type { BillingContext, LineSpec } from '../model.js';
import { changeDate, checkScenario, scheduleOf } from './checks.js';
import { describeZodIssues } from './issues.js';
import { scenarioSchema, type ScenarioInput } from './schema.js';

export interface Scenario {
  context: BillingContext;
  through: CalendarDate;
}

export type ScenarioResult = { ok: true; scenario: Scenario } | { ok: false; errors: string[] };

function linesOf(input: ScenarioInput): LineSpec[] {
  return input.lines.map((line): LineSpec => {
    const description = line.description === undefined ? {} : { description: line.description };
    const tax = line.taxRate === undefined ? {} : { taxRate: dec(line.taxRate) };
    if (line.timing === 'usage') return { id: line.id, ...description, timing: 'usage', usageSummary: line.usageSummary!, ...tax };
    return {
      id: line.id,
      ...description,
      ...tax,
      timing: line.timing,
      // An arrears line's option is accepted and ignored; without one it has none to mention.
      prorata: line.prorata ?? (line.timing === 'arrears' ? 'none' : 'from_change_date'),
      price: line.followPrice === true ? 'follow' : dec(line.unitPrice!),
      links: (line.links ?? []).map((l) => ({ subscription: l.subscription, free: dec(l.free ?? 0), minimum: dec(l.minimum ?? 0) })),
    };
  });
}

function historiesOf(input: ScenarioInput, zone: string): Map<string, SubscriptionHistory> {
  return new Map(
    (input.subscriptions ?? []).map((sub) => {
      const changes = sub.changes.map((c): SubscriptionChange => ({
        date: changeDate(c, zone)!,
        ...(c.quantity === undefined ? {} : { quantity: dec(c.quantity) }),
        ...(c.status === undefined ? {} : { status: c.status }),
        ...(c.price === undefined ? {} : { price: dec(c.price) }),
      }));
      return [sub.id, historyOf(sub.id, changes, sub.currency)];
    }),
  );
}

/** Validates a parsed scenario file and turns it into an engine context. */
export function parseScenario(json: unknown): ScenarioResult {
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) return { ok: false, errors: describeZodIssues(parsed.error.issues) };
  const input = parsed.data;
  const errors = checkScenario(input);
  if (errors.length > 0) return { ok: false, errors };
  const zone = input.timezone ?? 'UTC';
  return {
    ok: true,
    scenario: {
      through: input.through,
      context: {
        currency: input.currency,
        taxRate: dec(input.taxRate ?? '0'),
        schedule: scheduleOf(input),
        billingStart: input.startDate,
        lines: linesOf(input),
        histories: historiesOf(input, zone),
        usage: (input.usage ?? []).map((u) => ({ usageSummary: u.usageSummary, month: u.month, charges: dec(u.charges) })),
      },
    },
  };
}
