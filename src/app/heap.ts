import { setFlagsFromString } from 'node:v8';

/**
 * V8 lets the heap grow to up to four times what survived the last full collection before it collects again. A
 * long import or invoice run keeps little alive (its indexes, one batch) but allocates fast (pages, records, rows),
 * so its heap, and the process's memory, were mostly garbage: 340 MB of heap for ~80 MB alive. Growing by at most
 * half caps that at the cost of more collections (import benchmark: peak RSS 497 -> 288 MB, GC time up by about a
 * tenth; growing by 100 % gave ~260 MB at 1/5 scale against ~230 MB, a little faster).
 * Called once at process start by the CLI (every command: import, worker, serve) and the benchmarks.
 */
export function limitHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
