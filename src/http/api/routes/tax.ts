import { z } from 'zod';
import { systemClock } from '../../../common/clock.js';
import { TAX_KINDS } from '../../../billing/tax.js';
import {
  createTaxCode, listProductGroupTax, listTaxCodes, removeTaxCode, taxCodeView, setProductGroupTax, updateTaxCode,
} from '../../../tax/service.js';
import { defineRoute, okSchema, tenantParams, uuid } from '../route.js';

/* Tax settings: tax codes and product groups' codes (src/tax). A customer's exemption is PATCH …/customers/{id} taxCodeId. */

const TAG = 'Tax';
const READ = ['admin', 'finance', 'reviewer'] as const;
const WRITE = ['admin', 'finance'] as const;

const rate = z.string().regex(/^\d+(\.\d{1,6})?$/, 'a fraction such as 0.2 for 20 %').describe('a fraction (0.2 for 20 %); exempt and reverse-charge codes bill 0');
const kind = z.enum(TAX_KINDS).describe('standard: bills its rate; exempt: no tax; reverse_charge: no tax, the invoice says the customer accounts for it');

const taxCodeSchema = z.object({
  id: z.string(), code: z.string(), rate: z.string(), kind: z.enum(TAX_KINDS),
  productGroups: z.array(z.string()).describe('product groups whose lines bill this code'),
  customers: z.number().int().describe('customers with this code as their exemption or reverse charge'),
});

const productGroupSchema = z.object({
  productGroup: z.string(), products: z.number().int(), taxCode: z.string().nullable(), taxCodeId: z.string().nullable(),
});

const codeParams = tenantParams.extend({ taxCodeId: uuid });

export const listTaxCodesRoute = defineRoute({
  id: 'listTaxCodes', method: 'get', path: '/tenants/:tenantId/tax-codes', tag: TAG, roles: READ,
  summary: 'The tenant\'s tax codes',
  description: 'A line\'s tax: the customer\'s exemption or reverse charge, else its product group\'s code, else the recurring invoice\'s rate.',
  params: tenantParams,
  response: z.object({ items: z.array(taxCodeSchema) }),
  async handler({ scope }) {
    return { items: await listTaxCodes(scope) };
  },
});

export const createTaxCodeRoute = defineRoute({
  id: 'createTaxCode', method: 'post', path: '/tenants/:tenantId/tax-codes', tag: TAG, roles: WRITE, status: 201,
  summary: 'Add a tax code',
  description: 'Name it as the accounting system knows it: the CSV exports carry it per line (Xero\'s TaxType, QuickBooks\' ItemTaxCode).',
  params: tenantParams,
  body: z.strictObject({ code: z.string().trim().min(1).max(60), rate: rate.default('0'), kind }),
  example: { code: 'GST', rate: '0.15', kind: 'standard' },
  errors: { 409: 'a code of that name exists' },
  response: taxCodeSchema,
  async handler({ rt, scope, body }) {
    const row = await createTaxCode(scope, body, (rt.clock ?? systemClock)());
    return taxCodeView(scope, row.id);
  },
});

export const updateTaxCodeRoute = defineRoute({
  id: 'updateTaxCode', method: 'patch', path: '/tenants/:tenantId/tax-codes/:taxCodeId', tag: TAG, roles: WRITE,
  summary: 'Rename a tax code or change its rate or kind',
  description: 'Invoices already created keep the rate and code they were billed at; the next invoices use the new ones.',
  params: codeParams,
  body: z.strictObject({ code: z.string().trim().min(1).max(60).optional(), rate: rate.optional(), kind: kind.optional() })
    .refine((b) => Object.keys(b).length > 0, 'give at least one of code, rate, kind'),
  example: { rate: '0.2' },
  errors: { 409: 'another code has that name, or customers name it and it would become standard' },
  response: taxCodeSchema,
  async handler({ rt, scope, params, body }) {
    const row = await updateTaxCode(scope, params.taxCodeId, body, (rt.clock ?? systemClock)());
    return taxCodeView(scope, row.id);
  },
});

export const deleteTaxCodeRoute = defineRoute({
  id: 'deleteTaxCode', method: 'delete', path: '/tenants/:tenantId/tax-codes/:taxCodeId', tag: TAG, roles: WRITE,
  summary: 'Remove a tax code no product group or customer names',
  params: codeParams,
  errors: { 409: 'a product group or customer names it' },
  response: okSchema,
  async handler({ scope, params }) {
    await removeTaxCode(scope, params.taxCodeId);
    return { ok: true as const };
  },
});

export const listProductGroupTaxCodesRoute = defineRoute({
  id: 'listProductGroupTaxCodes', method: 'get', path: '/tenants/:tenantId/product-groups', tag: TAG, roles: READ,
  summary: 'Product groups (products.productGroup) with their tax code',
  params: tenantParams,
  response: z.object({ items: z.array(productGroupSchema) }),
  async handler({ scope }) {
    return { items: await listProductGroupTax(scope) };
  },
});

export const setProductGroupTaxCodeRoute = defineRoute({
  id: 'setProductGroupTaxCode', method: 'put', path: '/tenants/:tenantId/product-groups/tax-code', tag: TAG, roles: WRITE,
  summary: 'Give a product group a tax code (null: its lines bill the recurring invoice\'s rate)',
  params: tenantParams,
  body: z.strictObject({ productGroup: z.string().trim().min(1).max(120), taxCodeId: uuid.nullable() }),
  example: { productGroup: 'Pax8', taxCodeId: null },
  errors: { 404: 'no such tax code' },
  response: productGroupSchema,
  async handler({ rt, scope, body }) {
    return setProductGroupTax(scope, body.productGroup, body.taxCodeId, (rt.clock ?? systemClock)());
  },
});
