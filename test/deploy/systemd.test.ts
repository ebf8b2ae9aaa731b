/**
 * deploy/systemd: the unit stops gracefully with room for the drain, and its environment file
 * sets only variables rtgw reads (a typo there would be silently ignored by rtgw otherwise).
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configSources } from '../../gateway/config.js';
import { Limits } from '../../protocol/index.js';
import { packageRoot } from '../../scenarios/support/paths.js';

const dir = join(packageRoot(), 'deploy', 'systemd');
const unit = readFileSync(join(dir, 'rtgw.service'), 'utf8');
const envFile = readFileSync(join(dir, 'rtgw.env'), 'utf8');
const setting = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];

describe('deploy/systemd', () => {
  it('stops with SIGTERM and a stop timeout longer than the drain (grace period plus its 3 s margin)', () => {
    expect(setting('KillSignal')).toBe('SIGTERM');
    expect(Number(setting('TimeoutStopSec')) * 1000).toBeGreaterThan(Limits.PRESENCE_GRACE_MS + 3000);
    expect(setting('ExecStart')).toMatch(/bin\/rtgw\.js serve$/);
    expect(setting('EnvironmentFile')).toBe('/etc/rtgw/rtgw.env');
  });

  it('rtgw.env names only variables rtgw reads', () => {
    const known = new Set(['NODE_ENV', ...Object.values(configSources).flatMap((s) => (s.env && !s.env.includes('=') ? [s.env] : []))]);
    const used = [...envFile.matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((v) => !known.has(v))).toEqual([]);
  });

  const analyze = (() => {
    try {
      execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!analyze)('systemd-analyze verify finds nothing to say about the unit', async () => {
    const { stderr } = await promisify(execFile)('systemd-analyze', ['verify', join(dir, 'rtgw.service')]).catch((e: { stderr: string }) => e);
    // The rtgw user and /opt/rtgw exist only on a real node; everything else must be clean.
    expect(stderr.split('\n').filter((l) => l && !/rtgw\.js|\/opt\/rtgw|User|Group/.test(l))).toEqual([]);
  });
});
