import type { Runtime } from '../app/runtime.js';
import { registerJobHandlers } from './handlers.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import { serviceJobHandlers } from './wiring.js';

/**
 * The process's scheduler, configured from `config.scheduler` and wired to the real services.
 * Not started: `recurra sync` and a web-only `recurra start` use it to queue jobs and to show them.
 */
export function createScheduler(rt: Runtime, overrides: Partial<SchedulerOptions> = {}): Scheduler {
  registerJobHandlers(serviceJobHandlers({ ds: rt.ds, secrets: rt.secrets }));
  const c = rt.config.scheduler;
  const scheduler = new Scheduler({
    ds: rt.ds, logger: rt.logger, lockLifetimeMs: c.lockLifetimeMs, processEveryMs: c.processEveryMs, maxConcurrency: c.maxConcurrency,
    ...overrides,
  });
  // Even a process that runs no jobs (web only) keeps tenants' schedules in step with its tenant changes.
  scheduler.followTenantChanges();
  return scheduler;
}

/**
 * Lets the process end after a shutdown: Agenda keeps a lock-watch timer per job it ran for up to half
 * the lock lifetime after the job is done, which would hold the process open for minutes.
 */
export function exitAfterShutdown(graceMs = 1000): void {
  setTimeout(() => process.exit(), graceMs).unref();
}
