export { startQuickBooksSandbox, type QuickBooksSandboxOptions, type RunningQuickBooksSandbox, type SandboxStats } from './server.js';
export { Company } from './company.js';
