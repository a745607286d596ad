import { addDays, dateParts, type CalendarDate } from '../billing/dates.js';
import { formatMoney, formatQuantity, formatUnitPrice } from '../billing/money.js';
import type { Decimal } from 'decimal.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "11 Jan 2026". */
export function longDate(date: CalendarDate): string {
  const { year, month, day } = dateParts(date);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

/** An exclusive end [from, to) shown as the inclusive range a reader expects: "1 Jan 2026 – 31 Jan 2026". */
export function dateRange(from: CalendarDate, toExclusive: CalendarDate): string {
  return `${longDate(from)} – ${longDate(addDays(toExclusive, -1))}`;
}

/** "-1234.5" → "-1,234.5": thousands separators on a plain decimal, without touching the digits (string work only). */
export function groupDigits(plain: string): string {
  const negative = plain.startsWith('-');
  const [int, frac] = (negative ? plain.slice(1) : plain).split('.');
  return `${negative ? '-' : ''}${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac === undefined ? '' : `.${frac}`}`;
}

/** "USD 1,234.50", "USD -25.55". */
export function moneyText(amount: Decimal, currency: string): string {
  return `${currency} ${groupDigits(formatMoney(amount, currency))}`;
}

export { formatMoney, formatQuantity, formatUnitPrice };

export interface ProrataWords {
  description: string;
  rule: string;
  quantity: Decimal;
  quantityBefore: string;
  quantityAfter: string;
  unitPrice: Decimal;
  currency: string;
  from: CalendarDate;
  to: CalendarDate;
  days: number;
  periodDays: number;
}

/** "Microsoft 365: 5 more from 11 Jan 2026 (10 → 15), charged for 21 of 31 days (11 Jan 2026 – 31 Jan 2026)". */
export function describeProrata(p: ProrataWords): string {
  const credit = p.quantity.isNegative();
  const count = formatQuantity(p.quantity.abs());
  const change = credit ? `${count} fewer` : `${count} more`;
  const verb = credit ? 'credited' : 'charged';
  return `${p.description}: ${change} from ${longDate(p.from)} (${p.quantityBefore} → ${p.quantityAfter}), ${verb} for ${p.days} of ${p.periodDays} days (${dateRange(p.from, p.to)})`;
}
