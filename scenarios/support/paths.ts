import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root (where package.json names `rtgw`), from source or from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'rtgw') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the rtgw package root');
    dir = parent;
  }
}

/** `bin/rtgw.js`, run with the current Node. */
export function rtgwBin(): string {
  return join(packageRoot(), 'bin', 'rtgw.js');
}
