import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { ROLES, type Role } from '../../db/entities/index.js';
import { TenantError, TenantService } from '../../tenants/service.js';
import { TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, UserError, UserService } from '../../users/service.js';
import { CliFailure, UsageError } from '../errors.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function fail(err: unknown): never {
  if (err instanceof UserError || err instanceof TenantError) throw new CliFailure(err.message);
  throw err;
}

export function register(program: Command): void {
  const users = program.command('users').description('manage web app and API users');

  users
    .command('add')
    .description('add a user; the password comes from RECURRA_USER_PASSWORD, from stdin with --password-stdin, or is generated and printed once')
    .argument('<email>', 'e-mail address (the sign-in name)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--tenant <name>', 'bind the user to one tenant (required for client users)')
    .option('--customer <id>', 'the customer id a client user belongs to')
    .option('--name <displayName>', 'display name')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .action(async (email: string, opts: { role: string; tenant?: string; customer?: string; name?: string; passwordStdin?: boolean }) => {
      if (!ROLES.includes(opts.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      if (opts.role === 'client' && (!opts.tenant || !opts.customer)) throw new UsageError('a client user needs --tenant and --customer');
      let password: string | undefined = process.env.RECURRA_USER_PASSWORD || undefined;
      if (opts.passwordStdin) password = await readStdin();
      const rt = await openRuntime();
      try {
        const tenantId = opts.tenant ? (await new TenantService(rt.ds, rt.secrets).byName(opts.tenant).catch(fail)).id : null;
        const { user, generatedPassword } = await new UserService(rt.ds)
          .create({ email, role: opts.role as Role, displayName: opts.name, password, tenantId, customerId: opts.customer ?? null })
          .catch(fail);
        process.stdout.write(`added ${user.email} (${user.role}${opts.tenant ? `, tenant ${opts.tenant}` : ', all tenants'})\n`);
        if (generatedPassword) {
          process.stdout.write(`one-time password (shown once; must be changed at first sign-in): ${generatedPassword}\n`);
        }
      } finally {
        await rt.close();
      }
    });

  users
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const rt = await openRuntime();
      try {
        const list = await new UserService(rt.ds).list();
        if (opts.json) {
          process.stdout.write(JSON.stringify(list.map((u) => ({ email: u.email, role: u.role, tenantId: u.tenantId, customerId: u.customerId, disabled: u.disabled }))) + '\n');
        } else if (list.length === 0) {
          process.stdout.write('no users\n');
        } else {
          for (const u of list) {
            process.stdout.write(`${u.email}\t${u.role}\t${u.tenantId ?? 'all tenants'}${u.customerId ? `\tcustomer ${u.customerId}` : ''}${u.disabled ? '\tdisabled' : ''}\n`);
          }
        }
      } finally {
        await rt.close();
      }
    });

  users
    .command('token')
    .description('create an API token for a user and print it once (send it as "Authorization: Bearer <token>")')
    .argument('<email>')
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--expires-in-days <days>', `days until the token expires (1-${TOKEN_MAX_DAYS})`, String(TOKEN_DEFAULT_DAYS))
    .option('--no-expiry', 'the token never expires (revoke it when no longer needed)')
    .action(async (email: string, opts: { name: string; expiresInDays: string; expiry: boolean }) => {
      const days = opts.expiry ? Number(opts.expiresInDays) : null;
      if (days !== null && (!Number.isInteger(days) || days < 1 || days > TOKEN_MAX_DAYS)) {
        throw new UsageError(`--expires-in-days must be a whole number from 1 to ${TOKEN_MAX_DAYS}`);
      }
      const rt = await openRuntime();
      try {
        const svc = new UserService(rt.ds);
        const user = await svc.byEmail(email).catch(fail);
        const { token, record } = await svc.createToken(user.id, opts.name, days).catch(fail);
        process.stdout.write(`${token}\n`);
        // stdout carries the token alone (for scripts); the expiry goes to stderr.
        process.stderr.write(record.expiresAt ? `expires ${record.expiresAt.toISOString()} (${days} days)\n` : 'never expires\n');
      } finally {
        await rt.close();
      }
    });

  users
    .command('tokens')
    .description("list a user's API tokens (not revoked; never their values) with their expiry")
    .argument('<email>')
    .action(async (email: string) => {
      const rt = await openRuntime();
      try {
        const svc = new UserService(rt.ds);
        const user = await svc.byEmail(email).catch(fail);
        const list = await svc.tokens(user.id);
        if (list.length === 0) process.stdout.write('no tokens\n');
        const now = new Date();
        for (const t of list) {
          const exp = t.expiresAt ? `${t.expiresAt <= now ? 'expired' : 'expires'} ${t.expiresAt.toISOString()}` : 'never expires';
          process.stdout.write(`${t.id}\t${t.prefix}…\t${t.name}\tcreated ${t.createdAt.toISOString()}\t${exp}\n`);
        }
      } finally {
        await rt.close();
      }
    });

  users
    .command('revoke-token')
    .description("revoke one of a user's API tokens")
    .argument('<email>')
    .argument('<tokenId>', 'the id shown by `users tokens`')
    .action(async (email: string, tokenId: string) => {
      const rt = await openRuntime();
      try {
        const svc = new UserService(rt.ds);
        const user = await svc.byEmail(email).catch(fail);
        if (!(await svc.revokeToken(user.id, tokenId))) throw new CliFailure(`no token ${tokenId} of ${user.email} to revoke`);
        process.stdout.write(`revoked ${tokenId}\n`);
      } finally {
        await rt.close();
      }
    });
}
