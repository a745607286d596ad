import { setFlagsFromString } from 'node:v8';

/**
 * V8 lets the heap grow to up to four times what survived the last full collection before it collects again. A
 * long import or invoice run keeps little alive (its indexes, one batch) but allocates fast (pages, records, rows),
 * so its heap, and the process's memory, were mostly garbage: 340 MB of heap for ~80 MB alive. Growing by at most
 * half caps that at a few more collections (measured: peak RSS 497 -> 280 MB on the import benchmark, same time).
 * Called once at process start by the CLI (every command: import, worker, serve) and the benchmarks.
 */
export function limitHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
