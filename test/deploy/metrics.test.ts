/**
 * deploy/grafana/rtgw-dashboard.json and deploy/prometheus/alerts.yml against what is really
 * exported: a live gateway's /metrics (after traffic, so labelled counters have series) and the
 * HAProxy exporter of deploy/haproxy.cfg in front of it, plus Prometheus's own `up`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../scenarios/support/paths.js';
import { startHaproxy, type Haproxy } from '../../scenarios/support/haproxy.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { redisUrl, uniquePrefix } from '../helpers/redis.js';
import { TestClient, joinAs, wsUrlOf } from '../helpers/ws-client.js';
import { SCRAPE_LABELS, checkExpressions, dashboardExpressions, parseExposition, promqlRefs, ruleExpressions, withPrometheusSynthetics, type Exported } from './promql-names.js';

const DASHBOARD = join(packageRoot(), 'deploy', 'grafana', 'rtgw-dashboard.json');
const RULES = join(packageRoot(), 'deploy', 'prometheus', 'alerts.yml');

let lb: Haproxy;
let exported: Exported;

beforeAll(async () => {
  const gw = await startTestGateway({ redisUrl: redisUrl(), keyPrefix: uniquePrefix('metrics') });
  lb = await startHaproxy([`127.0.0.1:${gw.port}`]);
  // Traffic through the load balancer, so every labelled counter the dashboard uses has a series.
  const a = await joinAs(lb.url, 'm', 'a');
  const b = await joinAs(lb.url, 'm', 'b');
  a.client.send({ type: 'chat_send', text: 'hi', clientMsgId: 'x1' });
  await b.client.next('chat_broadcast');
  for (let seq = 1; seq <= 60; seq++) a.client.send({ type: 'avatar_transform', p: [0, 0, 0], r: [0, 0, 0, 1], seq }); // over the rate: drops
  await a.client.sync();
  const bad = await TestClient.open(wsUrlOf(lb.url));
  bad.send({ type: 'join_room', token: 'not-a-token' }); // an auth failure
  await bad.closed;
  exported = withPrometheusSynthetics(parseExposition(await (await fetch(`${gw.url}/metrics`)).text(), new Map(), SCRAPE_LABELS));
  parseExposition(await (await fetch(lb.metricsUrl)).text(), exported, SCRAPE_LABELS);
  for (const c of [a.client, b.client]) c.kill();
});

afterAll(async () => {
  await lb?.stop();
  await closeTestGateways();
});

describe('dashboard and alert rules name only what is exported', () => {
  it('the live exporters have the series the checks rely on', () => {
    for (const name of ['rtgw_connections', 'rtgw_messages_in_total', 'rtgw_drops_total', 'rtgw_auth_failures_total', 'haproxy_server_check_status', 'up']) expect(exported.has(name), name).toBe(true);
    expect([...exported.get('rtgw_drops_total')!]).toContain('reason');
  });

  it('every metric and label in deploy/grafana/rtgw-dashboard.json is exported', () => {
    const exprs = dashboardExpressions(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
    expect(exprs.length).toBeGreaterThan(12);
    expect(checkExpressions(exprs, exported)).toEqual([]);
  });

  it('every metric and label in deploy/prometheus/alerts.yml is exported', () => {
    const exprs = ruleExpressions(readFileSync(RULES, 'utf8'));
    expect(exprs).toHaveLength(8);
    expect(checkExpressions(exprs, exported)).toEqual([]);
  });

  it('a doctored dashboard that names a metric or label nobody exports is reported, naming both', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    dashboard.panels[0]!.targets[0]!.expr = 'histogram_quantile(0.99, sum by (le) (rate(rtgw_fanout_latency_seconds_bucket[5m])))';
    dashboard.panels[1]!.targets[0]!.expr = 'sum by (room) (rtgw_members{node=~"$node"})';
    dashboard.panels[2]!.targets[0]!.expr = 'rate(rtgw_messages_in_total{kind="chat_send"}[$__rate_interval])';
    expect(checkExpressions(dashboardExpressions(dashboard), exported)).toEqual([
      'panel "Connections per node": unknown metric rtgw_fanout_latency_seconds_bucket in "histogram_quantile(0.99, sum by (le) (rate(rtgw_fanout_latency_seconds_bucket[5m])))"',
      'panel "Members and rooms": no metric in "sum by (room) (rtgw_members{node=~\\"$node\\"})" has label room',
      'panel "Messages in by type": metric rtgw_messages_in_total has no label kind in "rate(rtgw_messages_in_total{kind=\\"chat_send\\"}[$__rate_interval])"',
    ]);
  });

  it('a doctored rule is reported too', () => {
    const yaml = readFileSync(RULES, 'utf8').replace('rtgw_event_loop_delay_p99_seconds', 'rtgw_event_loop_lag_seconds');
    expect(checkExpressions(ruleExpressions(yaml), exported)).toEqual([expect.stringContaining('rule RtgwEventLoopLag: unknown metric rtgw_event_loop_lag_seconds')]);
  });

  it('reads PromQL: functions, keywords, durations, offsets and Grafana variables are not metrics', () => {
    expect(promqlRefs('count(up{job="rtgw"} == 1) < count(up{job="rtgw"} offset 15m == 1)')).toEqual({ selectors: [{ metric: 'up', labels: ['job'] }, { metric: 'up', labels: ['job'] }], groupingLabels: [] });
    expect(promqlRefs('sum by (node) (rate(rtgw_drops_total{reason!~"a|b"}[$__rate_interval])) > 1e3 and on (node) rtgw_rooms')).toEqual({
      selectors: [{ metric: 'rtgw_drops_total', labels: ['reason'] }, { metric: 'rtgw_rooms', labels: [] }],
      groupingLabels: ['node', 'node'],
    });
    expect(promqlRefs('label_values(rtgw_connections, node)')).toEqual({ selectors: [{ metric: 'rtgw_connections', labels: ['node'] }], groupingLabels: [] });
  });
});

const promtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!promtool)('promtool (Debian package prometheus)', () => {
  it('promtool check rules accepts deploy/prometheus/alerts.yml, and check config the example scrape config', async () => {
    const rules = await promisify(execFile)('promtool', ['check', 'rules', RULES]);
    expect(rules.stdout).toContain('SUCCESS: 8 rules found');
    const config = await promisify(execFile)('promtool', ['check', 'config', join(packageRoot(), 'deploy', 'prometheus', 'prometheus.yml')]);
    expect(config.stdout).toContain('is valid prometheus config file syntax');
  });
});
