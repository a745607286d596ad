import type { Runtime } from './runtime.js';
import { registerJobHandlers } from '../jobs/handlers.js';
import { Scheduler, type SchedulerOptions } from '../jobs/scheduler.js';
import { serviceJobHandlers } from '../jobs/wiring.js';

function configuredOptions(rt: Runtime): SchedulerOptions {
  const c = rt.config.scheduler;
  return { ds: rt.ds, logger: rt.logger, lockLifetimeMs: c.lockLifetimeMs, processEveryMs: c.processEveryMs, maxConcurrency: c.maxConcurrency, clock: rt.clock };
}

/**
 * The process's scheduler, configured from `config.scheduler` and wired to the real services.
 * Not started: `recurra sync` and a web-only `recurra start` use it to queue jobs and to show them.
 */
export function createScheduler(rt: Runtime, overrides: Partial<SchedulerOptions> = {}): Scheduler {
  registerJobHandlers(serviceJobHandlers({ ds: rt.ds, secrets: rt.secrets, clock: rt.clock }));
  const scheduler = new Scheduler({ ...configuredOptions(rt), ...overrides });
  // Even a process that runs no jobs (web only) keeps tenants' schedules in step with its tenant changes.
  scheduler.followTenantChanges();
  return scheduler;
}

const queueOnly = new WeakMap<object, Scheduler>();

/**
 * The scheduler to queue jobs with ("sync now" from the API and the web app): the process's own (`rt.scheduler`),
 * else one made once per database that is never started, as `recurra sync` does. Queueing works either way: the
 * jobs are rows in `agenda_jobs`, and any process running the scheduler (`recurra start`, `recurra worker`) runs them.
 */
export function jobQueue(rt: Runtime): Scheduler {
  if (rt.scheduler) return rt.scheduler;
  let scheduler = queueOnly.get(rt.ds);
  if (!scheduler) {
    scheduler = new Scheduler(configuredOptions(rt));
    queueOnly.set(rt.ds, scheduler);
  }
  return scheduler;
}

/**
 * Lets the process end after a shutdown: Agenda keeps a lock-watch timer per job it ran for up to half
 * the lock lifetime after the job is done, which would hold the process open for minutes.
 */
export function exitAfterShutdown(graceMs = 1000): void {
  setTimeout(() => process.exit(), graceMs).unref();
}
