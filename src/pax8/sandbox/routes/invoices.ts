import type { Router } from 'express';
import type { SandboxState } from '../state.js';

/** Pax8's own bill to the partner (GET /invoices, /invoices/{id}/items, /invoices/draftItems). */
export function invoiceRoutes(r: Router, state: SandboxState): void {
  void r;
  void state;
}
