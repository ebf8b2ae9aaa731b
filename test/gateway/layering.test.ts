/**
 * Dependencies in gateway/ point one way (STYLE.md habit 12): no module imports, even for types
 * only, a module that (directly or not) imports it. Where two need each other, a small interface in
 * the lower one (SessionHost, PresenceHost, BlocklistHost, RoomSession) is the design.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../gateway');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Module -> the gateway modules it imports (value or type imports, and re-exports). */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'));
      if (target.startsWith(root)) targets.push(relative(root, target));
    }
    graph.set(relative(root, file), targets);
  }
  return graph;
}

/** Every cycle found by depth-first search, each as the path that closes it. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('gateway module layering', () => {
  it('the cycle finder reports a circle (hub -> session -> hub, as gateway/ had)', () => {
    const graph = new Map([
      ['hub.ts', ['session.ts', 'room.ts']],
      ['session.ts', ['hub.ts']],
      ['room.ts', []],
    ]);
    expect(findCycles(graph)).toEqual([['hub.ts', 'session.ts', 'hub.ts']]);
  });

  it('no module in gateway/ imports one that imports it back, even for types', () => {
    const graph = importGraph(sources(root));
    expect(graph.size).toBeGreaterThan(20);
    expect(findCycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });
});
