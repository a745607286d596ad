import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve('src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Top-level src folder of a file ("invoices" for src/invoices/run.ts); null outside src or for a file directly in src. */
function folderOf(file: string): string | null {
  const parts = path.relative(SRC, file).split(path.sep);
  return parts.length > 1 && parts[0] !== '..' ? parts[0]! : null;
}

/** Every relative specifier of a file: `from '…'` (imports and re-exports), `import '…'` and `import('…')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.[^']+)'/g;

/** The folder-level import graph: folder -> the other src folders its files import (example: "who imports X from where"). */
function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of tsFiles(SRC)) {
    const from = folderOf(file);
    if (!from) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const to = folderOf(path.resolve(path.dirname(file), m[1]!));
      if (!to || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), `${path.relative(SRC, file)} -> ${m[1]}`]);
    }
  }
  return graph;
}

describe('architecture: the folder-level import graph of src', () => {
  const graph = folderGraph();

  it('reads the real tree (a graph that found nothing would pass everything)', () => {
    expect(graph.get('http')?.has('invoices')).to.equal(true);
    expect(graph.get('imports')?.has('subscriptions')).to.equal(true);
  });

  it('has no two folders that import each other', () => {
    const pairs: string[] = [];
    for (const [a, edges] of graph) {
      for (const [b, why] of edges) {
        const back = graph.get(b)?.get(a);
        if (a < b && back) pairs.push(`${a} <-> ${b}: ${why.join('; ')} | ${back.join('; ')}`);
      }
    }
    expect(pairs, 'move the helper that causes the back edge to the folder that owns it, or to src/common').to.deep.equal([]);
  });

  it('has no cycle of any length (the folder graph is layered)', () => {
    const done = new Set<string>();
    const onPath: string[] = [];
    let cycle: string[] | null = null;
    const visit = (folder: string): void => {
      if (cycle || done.has(folder)) return;
      const at = onPath.indexOf(folder);
      if (at >= 0) {
        cycle = [...onPath.slice(at), folder];
        return;
      }
      onPath.push(folder);
      for (const next of graph.get(folder)?.keys() ?? []) visit(next);
      onPath.pop();
      done.add(folder);
    };
    for (const folder of [...graph.keys()].sort()) visit(folder);
    expect((cycle as string[] | null)?.join(' -> ') ?? null, 'a cycle of folders: move the helper that closes it to its owner or to src/common').to.equal(null);
  });

  it('has no folder other than src/http and src/cli importing src/http', () => {
    const offenders = [...graph].filter(([from, edges]) => from !== 'http' && from !== 'cli' && edges.has('http')).map(([from, edges]) => `${from}: ${edges.get('http')!.join('; ')}`);
    expect(offenders, 'features expose use cases; only the adapters import src/http').to.deep.equal([]);
  });
});
