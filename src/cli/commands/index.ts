import type { Command } from 'commander';
import { register as migrate } from './migrate.js';
import { register as start } from './start.js';
import { register as tenants } from './tenants.js';
import { register as backup } from './backup.js';
import { register as simulate } from './simulate.js';
import { register as billing } from './billing.js';
import { register as invoices } from './invoices.js';
import { register as recurringInvoices } from './recurring-invoices.js';
import { register as users } from './users.js';
import { register as sandbox } from './sandbox.js';
import { register as importCmd } from './import.js';
import { register as imports } from './imports.js';
import { register as mappings } from './mappings.js';
import { register as customers } from './customers.js';
import { register as tax } from './tax.js';
import { register as subscriptions } from './subscriptions.js';
import { register as licensing } from './licensing.js';
import { register as reconcile } from './reconcile.js';
import { register as worker } from './worker.js';
import { register as sync } from './sync.js';
import { register as licences } from './licences.js';
import { register as events } from './events.js';

/** Every CLI command module exports `register(program)`; add new ones here. */
export function registerCommands(program: Command): void {
  migrate(program);
  start(program);
  tenants(program);
  backup(program);
  simulate(program);
  billing(program);
  invoices(program);
  recurringInvoices(program);
  users(program);
  sandbox(program);
  importCmd(program);
  imports(program);
  mappings(program);
  customers(program);
  tax(program);
  subscriptions(program);
  licensing(program);
  reconcile(program);
  worker(program);
  sync(program);
  licences(program);
  events(program);
}
