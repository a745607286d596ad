import { z } from 'zod';
import { isCalendarDate, isCalendarMonth } from '../dates.js';
import { isInstant } from '../localdate.js';

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** "is required" when missing, otherwise "must be <expected>, got <value>". */
function expecting(expected: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${expected}, got ${show(issue.input)}`) };
}

const text = z.custom<string>((v) => typeof v === 'string' && v.trim() !== '', expecting('a non-empty string'));
const date = z.custom<string>((v) => typeof v === 'string' && isCalendarDate(v), expecting('a calendar date "YYYY-MM-DD"'));
const month = z.custom<string>((v) => typeof v === 'string' && isCalendarMonth(v), expecting('a month "YYYY-MM"'));
const instant = z.custom<string>(
  (v) => typeof v === 'string' && isInstant(v),
  expecting('an ISO 8601 instant with an offset, like "2026-01-10T23:30:00Z"'),
);
/** JSON numbers are fine for counts; money must be a string so no parser turns it into a float. */
const quantity = z.custom<number | string>(
  (v) => (typeof v === 'number' && v >= 0 && v < Infinity) || (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)),
  expecting('a non-negative number'),
);
const money = z.custom<string>(
  (v) => typeof v === 'string' && /^-?\d+(\.\d{1,6})?$/.test(v),
  expecting('a decimal string with at most 6 places, like "22.00" (quoted, so it stays exact)'),
);
const rate = z.custom<string>(
  (v) => typeof v === 'string' && /^\d+(\.\d+)?$/.test(v),
  expecting('a non-negative decimal string, like "0.10" for 10%'),
);

export const STATUSES = ['Active', 'Cancelled', 'Suspended', 'Deleted'] as const;

const oneOf = (values: readonly string[]) => expecting(`one of ${values.map((v) => `"${v}"`).join(', ')}`);

const link = z.strictObject({
  subscription: text,
  free: quantity.optional(),
  minimum: quantity.optional(),
});

const line = z.strictObject({
  id: text,
  description: z.string(expecting('a string')).optional(),
  timing: z.enum(['advance', 'arrears', 'usage'], oneOf(['advance', 'arrears', 'usage'])),
  prorata: z.enum(['none', 'from_change_date', 'increases_only'], oneOf(['none', 'from_change_date', 'increases_only'])).optional(),
  unitPrice: money.optional(),
  followPrice: z.boolean(expecting('true or false')).optional(),
  links: z.array(link, expecting('a list of links')).optional(),
  usageSummary: text.optional(),
  /** This line's own rate (and its pro-rata adjustments'); the scenario's taxRate is the fallback. */
  taxRate: rate.optional(),
});

const change = z.strictObject({
  date: date.optional(),
  timestamp: instant.optional(),
  quantity: quantity.optional(),
  status: z.enum(STATUSES, oneOf(STATUSES)).optional(),
  price: money.optional(),
});

const subscription = z.strictObject({
  id: text,
  currency: z.custom<string>((v) => typeof v === 'string' && /^[A-Z]{3}$/.test(v), expecting('a 3-letter ISO 4217 code like "USD"')).optional(),
  changes: z.array(change, expecting('a list of changes')),
});

const usage = z.strictObject({ usageSummary: text, month, charges: money });

export const scenarioSchema = z.strictObject({
  currency: z.custom<string>((v) => typeof v === 'string' && /^[A-Z]{3}$/.test(v), expecting('a 3-letter ISO 4217 code like "USD"')),
  timezone: text.optional(),
  frequency: z.enum(['monthly', 'quarterly', 'annual'], oneOf(['monthly', 'quarterly', 'annual'])),
  anchorDay: z.custom<number>((v) => typeof v === 'number' && v >= 1 && v <= 31 && Math.floor(v) === v, expecting('a whole number from 1 to 31')),
  startDate: date,
  through: date,
  taxRate: rate.optional(),
  lines: z.array(line, expecting('a list of lines')).min(1, 'needs at least one line'),
  subscriptions: z.array(subscription, expecting('a list of subscriptions')).optional(),
  usage: z.array(usage, expecting('a list of usage snapshots')).optional(),
});

export type ScenarioInput = z.infer<typeof scenarioSchema>;

/** Known keys per object kind, for "did you mean" hints. */
export const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(scenarioSchema.shape),
  lines: Object.keys(line.shape),
  'lines.links': Object.keys(link.shape),
  subscriptions: Object.keys(subscription.shape),
  'subscriptions.changes': Object.keys(change.shape),
  usage: Object.keys(usage.shape),
};
