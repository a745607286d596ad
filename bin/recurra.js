#!/usr/bin/env node
// Runs the TypeScript sources through tsx: no build step, so the CLI never lags behind src/.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
