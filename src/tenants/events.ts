export interface TenantChange {
  kind: 'created' | 'updated' | 'removed';
  tenantId: string;
}

type Listener = (change: TenantChange) => Promise<void> | void;

const listeners = new Set<Listener>();

/** In-process hook (the scheduler keeps each tenant's jobs in step); other processes reconcile on start. */
export function onTenantChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function notifyTenantChange(change: TenantChange): Promise<void> {
  for (const l of listeners) await l(change);
}
