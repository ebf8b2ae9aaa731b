/**
 * Static files for `Gateway.addRoute`: the demo page (web/, built into dist/web/) served by the
 * gateway itself, so `rtgw serve` is all a demo needs and the page's origin is the gateway's
 * (the dev issuer and the WebSocket are same-origin; nothing is fetched from anywhere else).
 *
 * GET and HEAD only; `/` is `index.html`. Paths that do not name a file under the directory fall
 * through (the gateway answers its JSON 404), including any that would leave the directory.
 */
import { createReadStream, existsSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Documents may load scripts, styles and images from this origin only, and connect to it (the
 * token fetch) and to WebSockets. `ws:`/`wss:` are listed because `'self'` matching a WebSocket
 * URL is a CSP Level 3 rule that older browsers lack.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface StaticRouteOptions {
  /** Served for `/`. Default `index.html`. */
  index?: string;
  /** Content-Security-Policy of HTML responses. Default `PAGE_CSP`. */
  csp?: string;
}

/** A route serving the files under `dir` (read on each request, so a rebuild shows at once). */
export function staticRoute(dir: string, options: StaticRouteOptions = {}): Route {
  const root = resolve(dir);
  const index = options.index ?? 'index.html';
  const csp = options.csp ?? PAGE_CSP;
  return async (req, res, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const file = fileFor(root, url.pathname === '/' ? `/${index}` : url.pathname);
    if (!file) return false;
    let info: Stats;
    try {
      info = await stat(file);
    } catch {
      return false;
    }
    if (!info.isFile()) return false;

    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    // Weak validator from size and mtime: cheap, and changes whenever the build rewrites a file.
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const headers: Record<string, string | number> = {
      'content-type': type,
      etag,
      // Revalidate every time: a demo rebuilt while the gateway runs must never mix old and new files.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (type.startsWith('text/html')) headers['content-security-policy'] = csp;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    headers['content-length'] = info.size;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await new Promise<void>((done) => {
      const stream = createReadStream(file);
      stream.on('error', () => {
        res.destroy();
        done();
      });
      stream.on('end', done);
      stream.pipe(res);
    });
    return true;
  };
}

/** The absolute file a URL path names under `root`, or undefined when it is malformed or outside. */
function fileFor(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  // `..` hidden as %2e%2e or %2f survives URL parsing; NUL and backslashes have no business here.
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const file = resolve(root, `.${decoded}`);
  return file.startsWith(root + sep) ? file : undefined;
}

/**
 * The built demo page (`dist/web/`, made by scripts/build-web.mjs at install time), or undefined
 * when it has not been built. Works from the sources (tests) and from dist/ (the CLI).
 */
export function builtWebDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      const web = join(dir, 'dist', 'web');
      return existsSync(join(web, 'index.html')) ? web : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
