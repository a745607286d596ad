import type { Invoice, InvoiceLine } from '../invoice.js';
import { formatMoney, formatQuantity, formatUnitPrice } from '../money.js';

/** Key order is the documented scenario output order. */
export interface ScenarioLineJson {
  line: string;
  kind: string;
  quantity: string;
  unitPrice: string;
  amount: string;
  from: string;
  to: string;
  review?: string[];
}

export interface ScenarioInvoiceJson {
  date: string;
  periodStart: string;
  periodEnd: string;
  lines: ScenarioLineJson[];
  subtotal: string;
  tax: string;
  total: string;
}

function lineJson(line: InvoiceLine, currency: string): ScenarioLineJson {
  return {
    line: line.line,
    kind: line.kind,
    quantity: formatQuantity(line.quantity),
    unitPrice: formatUnitPrice(line.unitPrice, currency),
    amount: formatMoney(line.amount, currency),
    from: line.from,
    to: line.to,
    ...(line.review.length > 0 ? { review: line.review } : {}),
  };
}

export function invoiceJson(invoice: Invoice): ScenarioInvoiceJson {
  const c = invoice.currency;
  return {
    date: invoice.date,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    lines: invoice.lines.map((l) => lineJson(l, c)),
    subtotal: formatMoney(invoice.subtotal, c),
    tax: formatMoney(invoice.tax, c),
    total: formatMoney(invoice.total, c),
  };
}

export function scenarioOutput(invoices: readonly Invoice[]): { invoices: ScenarioInvoiceJson[] } {
  return { invoices: invoices.map(invoiceJson) };
}
