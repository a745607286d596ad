import type { Runtime } from '../app/runtime.js';
import { deliverPending } from '../notices/deliver.js';
import { processWebhookQueue } from './service.js';

/**
 * The in-process worker for the webhook queue and the notice outbox: the receiver kicks it after queuing
 * a delivery (so the HTTP answer never waits for Pax8), and it also polls every `intervalMs` to pick up
 * retries and deliveries queued by other processes. Processing is claim-based, so several workers are safe.
 */
type Kick = (tenantId: string) => void;
let kick: Kick | null = null;

/** Called by the receiver after a new delivery was queued; a no-op until a worker runs. */
export function queueKick(tenantId: string): void {
  kick?.(tenantId);
}

export function startOperationsWorker(rt: Runtime, intervalMs = 60_000): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const run = (tenantId?: string) => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await processWebhookQueue({ ds: rt.ds, secrets: rt.secrets }, tenantId);
        await deliverPending(rt.ds, rt.secrets, tenantId);
      } catch (err) {
        rt.logger.error({ err }, 'webhook/notice worker failed');
      }
    });
  };
  kick = (tenantId) => run(tenantId);
  const timer = setInterval(() => run(), intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    kick = null;
    await running;
  };
}
