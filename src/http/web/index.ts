import { Router } from 'express';
import type { Runtime } from '../../app/runtime.js';

export function webRouter(_rt: Runtime): Router {
  return Router();
}
