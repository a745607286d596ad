/** Importing this module registers every API route (each routes/*.ts calls defineRoute). */
import './routes/auth.js';
import './routes/tenants.js';
import './routes/data.js';
import './routes/customers.js';
import './routes/tax.js';
import './routes/licensing.js';
import './routes/actions.js';
import './routes/invoices.js';
import './routes/invoice-delivery.js';
import './routes/recurring.js';
import './routes/jobs.js';
import './routes/reconcile.js';
import './routes/operations.js';
import './routes/events.js';
import './routes/webhooks.js';
import './routes/notices.js';
import './routes/usage-review.js';
import './routes/dashboard.js';
import './routes/accounting-connections.js';
import './routes/accounting.js';

export { allRoutes, invokeRoute, type RouteDef, type Auth } from './route.js';
export { apiRouter } from './mount.js';
export { buildOpenApi } from './openapi.js';
