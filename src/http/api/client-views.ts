/**
 * What a client user receives (issue 21): ONE allow-list per tenant route a client may call. `invokeRoute` projects
 * every answer to a client through `clientView`, and the web app's pages read the API through `invokeRoute`, so a
 * field that is not listed here — a new one included — is never sent to a client, in the API or on a page.
 * The MSP's cost, margin and partner prices (a subscription's `cost`, usage `partnerTotal`, …) are never listed.
 *
 * `defineRoute` refuses a tenant route open to clients without an entry here. Account routes (`/auth`, `/me`) carry
 * only the caller's own account and are not projected.
 */

/** An allow-list: `true` keeps a scalar (or an array of scalars); an object keeps an object's listed fields; `[shape]` an array of objects. */
export type Shape = { readonly [field: string]: true | Shape | readonly [Shape] };

/** The handler writes a customer document itself (the rendered invoice: its lines, prices and totals only). */
export const DOCUMENT = 'document' as const;

const fields = (names: string): Shape => Object.fromEntries(names.split(/\s+/).filter(Boolean).map((n) => [n, true as const]));
const pageOf = (item: Shape): Shape => ({ items: [item], page: fields('number size totalElements totalPages') });

const customer = fields('id name topLevel active source siteStreet siteCity sitePostalCode siteCountry monthlyRecurringInvoiceId annualRecurringInvoiceId noAutomaticInvoiceLines paymentTermsDays createdAt updatedAt');
/** Not `cost`. */
const subscription = fields('id kind pax8Id name vendorName customerId productId quantity status active billingTerm commitmentTerm startDate endDate price currency deletedInPax8 updatedAt pendingQuantity pendingStatus pendingSince');
/** Not `partnerTotal`. */
const usageSummary = fields('id pax8Id pax8SubscriptionId pax8CompanyId resourceGroup vendorName customerId mappedBy currentCharges currency isTrial linesMismatch updatedAt');
const usageLine = fields('id usageDate productName pax8ProductId unitOfMeasure quantity unitPrice charges currency');
const invoice: Shape = {
  ...fields('id number status recurringInvoiceId customerId invoiceDate periodStart periodEnd currency subtotal tax total review issuedAt approvedBy dueDate paymentTermsDays'),
  seller: fields('name address taxNumber bankDetails'),
};
const invoiceLine = fields('id position kind description fromDate toDate quantity unitPrice amount tax review taxRate taxCode taxKind');
const recurring = fields('id customerId name frequency anchorDay startDate currency taxRate status nextInvoiceDate');
const recurringLine: Shape = {
  ...fields('id position description productId timing priceMode unitPrice prorata reviewRequired currentQuantity'),
  links: [fields('id subscriptionId freeQuantity minimumQuantity')],
};
const mySubscription: Shape = {
  ...fields('id name vendorName quantity billingTerm canRequestChange minQuantity maxQuantity'),
  openRequest: fields('id requestedQuantity status'),
};
const request = fields(`id subscriptionId customerId customerName productName vendorName currentQuantity requestedQuantity status decision
  approvalReasons changePercent requestedBy requestedAt decidedBy decidedAt rejectionReason failureReason appliedAt subscriptionChangeId`);
const notice = fields('id kind message requestId createdAt readAt');
/** The retail price only. */
const catalogItem = fields('id name vendorName category retailPrice sku featured');

/** Route id → what a client receives from it. */
const CLIENT_VIEWS: Readonly<Record<string, Shape | typeof DOCUMENT>> = {
  listCustomers: pageOf(customer),
  getCustomer: customer,
  listSubscriptions: pageOf(subscription),
  getSubscription: subscription,
  listUsageSummaries: pageOf(usageSummary),
  getUsageSummary: { ...usageSummary, months: [fields('month charges')] },
  listUsageLines: pageOf(usageLine),
  listInvoices: pageOf(invoice),
  getInvoice: { ...invoice, lines: [invoiceLine] },
  renderInvoice: DOCUMENT,
  invoicePdf: DOCUMENT,
  listRecurringInvoices: pageOf(recurring),
  getRecurringInvoice: { ...recurring, lines: [recurringLine] },
  listMyLicensingSubscriptions: pageOf(mySubscription),
  requestLicensingChange: request,
  listMyLicensingRequests: pageOf(request),
  listMyLicensingNotices: pageOf(notice),
  readMyLicensingNotice: fields('ok'),
  listMyLicensingCatalog: pageOf(catalogItem),
};

export function hasClientView(routeId: string): boolean {
  return Object.hasOwn(CLIENT_VIEWS, routeId);
}

/** The answer of route `routeId` as a client receives it. Unlisted routes (account routes) are returned as they are. */
export function clientView(routeId: string, answer: unknown): unknown {
  const shape = Object.hasOwn(CLIENT_VIEWS, routeId) ? CLIENT_VIEWS[routeId]! : DOCUMENT;
  return shape === DOCUMENT ? answer : project(answer, shape);
}

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Keeps only what `shape` lists; anything else (and an object where a scalar is listed) is left out. */
export function project(value: unknown, shape: Shape): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value === null ? null : undefined;
  const from = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, rule] of Object.entries(shape)) {
    if (!Object.hasOwn(from, k)) continue;
    const v = from[k];
    if (rule === true) {
      if (isScalar(v) || (Array.isArray(v) && v.every(isScalar))) out[k] = v;
    } else if (Array.isArray(rule)) {
      if (Array.isArray(v)) out[k] = v.map((x) => project(x, (rule as readonly [Shape])[0]));
    } else {
      const p = project(v, rule as Shape);
      if (p !== undefined) out[k] = p;
    }
  }
  return out;
}

type Json = Record<string, unknown>;

/**
 * The OpenAPI response schema of a route clients may call: a field clients do not receive is no longer required and
 * says so, so one schema documents both answers.
 */
export function documentClientView(routeId: string, schema: Json): Json {
  const shape = CLIENT_VIEWS[routeId];
  if (!shape || shape === DOCUMENT) return schema;
  return relax(schema, shape);
}

function relax(schema: Json, shape: Shape): Json {
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(schema[key])) return { ...schema, [key]: (schema[key] as Json[]).map((s) => relax(s, shape)) };
  }
  const props = schema.properties as Record<string, Json> | undefined;
  if (!props) return schema;
  const properties: Record<string, Json> = {};
  for (const [k, p] of Object.entries(props)) {
    const rule = shape[k];
    if (rule === undefined) properties[k] = { ...p, description: [p.description, 'Not sent to client users.'].filter(Boolean).join(' ') };
    else if (rule === true) properties[k] = p;
    else if (Array.isArray(rule)) properties[k] = p.items ? { ...p, items: relax(p.items as Json, (rule as readonly [Shape])[0]) } : p;
    else properties[k] = relax(p, rule as Shape);
  }
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter((k) => shape[k] !== undefined) : undefined;
  return { ...schema, properties, ...(required ? { required } : {}) };
}
