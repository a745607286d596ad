import { renderTextTemplate } from '../common/text-template.js';
import type { InvoiceDocument } from '../invoices/queries.js';
import { invoiceView } from '../invoices/render.js';
import { tenantSettings } from '../tenants/service.js';
import type { INVOICE_MAIL_PLACEHOLDERS } from '../tenants/settings.js';

export interface InvoiceMail {
  subject: string;
  text: string;
  attachmentName: string;
}

type Placeholder = (typeof INVOICE_MAIL_PLACEHOLDERS)[number];

/** The placeholders' values for one invoice: the words the rendered invoice uses. */
export function mailValues(doc: InvoiceDocument): Record<Placeholder, string> {
  const view = invoiceView(doc) as {
    seller: { name: string }; customer: { name: string }; number: string; date: string; period: string; total: string; dueDate?: string | null;
  };
  return {
    customer: view.customer.name, number: view.number, invoiceDate: view.date, dueDate: view.dueDate ?? '', period: view.period,
    total: view.total, currency: doc.invoice.currency, seller: view.seller.name,
  };
}

/** The e-mail of an invoice from the tenant's templates (settings invoiceDelivery.subjectTemplate and bodyTemplate). */
export function invoiceMail(doc: InvoiceDocument): InvoiceMail {
  const settings = tenantSettings(doc.tenant).invoiceDelivery;
  const values = mailValues(doc);
  return {
    // A subject is one line: a newline in a value or the template must not start a header.
    subject: renderTextTemplate(settings.subjectTemplate, values).replace(/[\r\n]+/g, ' ').trim().slice(0, 900),
    text: renderTextTemplate(settings.bodyTemplate, values),
    attachmentName: `${values.number}.pdf`,
  };
}
