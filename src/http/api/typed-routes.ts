import type { z } from 'zod';
import type { Input, RouteDef } from './route.js';
import type * as accountingConnectionsRoutes from './routes/accounting-connections.js';
import type * as accountingRoutes from './routes/accounting.js';
import type * as actionsRoutes from './routes/actions.js';
import type * as authRoutes from './routes/auth.js';
import type * as customersRoutes from './routes/customers.js';
import type * as dataRoutes from './routes/data.js';
import type * as dashboardRoutes from './routes/dashboard.js';
import type * as eventsRoutes from './routes/events.js';
import type * as invoiceDeliveryRoutes from './routes/invoice-delivery.js';
import type * as invoicesRoutes from './routes/invoices.js';
import type * as jobsRoutes from './routes/jobs.js';
import type * as licensingRoutes from './routes/licensing.js';
import type * as noticesRoutes from './routes/notices.js';
import type * as operationsRoutes from './routes/operations.js';
import type * as reconcileRoutes from './routes/reconcile.js';
import type * as recurringRoutes from './routes/recurring.js';
import type * as taxRoutes from './routes/tax.js';
import type * as tenantsRoutes from './routes/tenants.js';
import type * as usageReviewRoutes from './routes/usage-review.js';
import type * as webhooksRoutes from './routes/webhooks.js';

/**
 * The route registry as types: a route file that exports its definitions (`export const x = defineRoute({...})`)
 * adds its ids to `TypedRouteId`, and a web page's `api(req, id, input)` for one of them is checked against the
 * route's params and body and returns the output of its response schema. Ids of route files that do not export
 * their definitions stay untyped (`any`); add a file's module below when it exports them (routes made by a function,
 * such as the licence operations' preview and complete, are exported from what the function returns).
 */
type DefsOf<M> = Extract<M[keyof M], RouteDef<any, any, any, any, string, any>>;

export type TypedRoute =
  | DefsOf<typeof accountingConnectionsRoutes>
  | DefsOf<typeof accountingRoutes>
  | DefsOf<typeof actionsRoutes>
  | DefsOf<typeof authRoutes>
  | DefsOf<typeof customersRoutes>
  | DefsOf<typeof dataRoutes>
  | DefsOf<typeof dashboardRoutes>
  | DefsOf<typeof eventsRoutes>
  | DefsOf<typeof invoiceDeliveryRoutes>
  | DefsOf<typeof invoicesRoutes>
  | DefsOf<typeof jobsRoutes>
  | DefsOf<typeof licensingRoutes>
  | DefsOf<typeof noticesRoutes>
  | DefsOf<typeof operationsRoutes>
  | DefsOf<typeof reconcileRoutes>
  | DefsOf<typeof recurringRoutes>
  | DefsOf<typeof taxRoutes>
  | DefsOf<typeof tenantsRoutes>
  | DefsOf<typeof usageReviewRoutes>
  | DefsOf<typeof webhooksRoutes>;
export type TypedRouteId = TypedRoute['id'];
type RouteOf<I extends string> = Extract<TypedRoute, { id: I }>;

/** What the route answers: the output of its response schema. */
export type ResponseOf<I extends string> = I extends TypedRouteId ? z.output<RouteOf<I>['response']> : any;

/** Field names as the schema has them (required ones required), values left to the route's schema. */
type Fields<T> = { [K in keyof T]: unknown };

/**
 * What the route takes: its params (every one named) and its body's field names (a misspelt one does not compile).
 * A body's values and required fields are the route's to check: pages pass what a form sent, and a refused form
 * comes back with the route's message, as for an API client.
 */
export type InputOf<I extends string> = I extends TypedRouteId
  ? RouteOf<I> extends RouteDef<infer P, any, infer B, any, any, any>
    ? { params?: Fields<z.input<P>>; query?: Record<string, unknown>; body?: Partial<Fields<z.input<B>>> }
    : Input
  : Input;
