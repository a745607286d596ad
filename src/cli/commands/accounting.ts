import type { Command } from 'commander';
import { registerConnection } from './accounting-connection.js';
import { registerPush } from './accounting-push.js';

/**
 * `recurra accounting`: the tenant's Xero and QuickBooks Online connections (`accounting connection …`,
 * ./accounting-connection.ts); further groups (mappings, pushes) register under the same command here.
 */
export function register(program: Command): void {
  const acc = program.command('accounting').description('Xero and QuickBooks Online: connections, mappings, pushes');
  registerConnection(acc);
  registerPush(acc);
}
