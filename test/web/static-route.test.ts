/**
 * gateway/static.ts on a real gateway (port 0): what `rtgw serve` uses to serve the demo page.
 * Raw HTTP requests, so paths reach the server exactly as written (fetch would normalise `..`).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/index.js';
import { PAGE_CSP, staticRoute } from '../../gateway/static.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';

let dir: string;
let gateway: Gateway;

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function get(path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const { port } = gateway;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'rtgw-static-'));
  dir = join(root, 'site');
  await mkdir(join(dir, 'sub'), { recursive: true });
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(dir, 'app.js'), 'export {};\n');
  await writeFile(join(dir, 'sub', 'a b.css'), 'body{}');
  await writeFile(join(root, 'secret.txt'), 'outside the served directory');
});

afterEach(() => closeTestGateways());
afterAll(() => rm(join(dir, '..'), { recursive: true, force: true }));

async function serve(): Promise<void> {
  gateway = await startTestGateway();
  gateway.addRoute(staticRoute(dir));
}

describe('staticRoute', () => {
  it('serves index.html at / with its type, a strict CSP and no-cache; other files with their types', async () => {
    await serve();
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toBe('<!doctype html><title>t</title>');
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-length': String(page.body.length),
    });
    expect(PAGE_CSP).toContain("default-src 'self'");
    const js = await get('/app.js');
    expect(js).toMatchObject({ status: 200, body: 'export {};\n' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['content-security-policy']).toBeUndefined();
    expect((await get('/sub/a%20b.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers a matching If-None-Match with 304, and HEAD with headers only', async () => {
    await serve();
    const first = await get('/app.js');
    const again = await get('/app.js', { headers: { 'if-none-match': String(first.headers.etag) } });
    expect(again).toMatchObject({ status: 304, body: '' });
    const head = await get('/app.js', { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe('11');
  });

  it('leaves everything else to the gateway: missing files, directories, escapes from the directory, other methods', async () => {
    await serve();
    for (const path of ['/missing.js', '/sub', '/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt', '/%E0%A4%A', '/a%00.js']) {
      const reply = await get(path);
      expect(reply.status, path).toBe(404);
      expect(JSON.parse(reply.body), path).toMatchObject({ error: { code: 'not_found' } });
    }
    expect((await get('/app.js', { method: 'POST' })).status).toBe(404);
    // The gateway's own routes still answer.
    expect((await get('/healthz')).status).toBe(200);
  });
});
