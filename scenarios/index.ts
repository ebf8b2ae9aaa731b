/** Every acceptance scenario, in the order `rtgw scenario all` runs them. */
import authReject from './auth-reject.js';
import block from './block.js';
import chaos from './chaos.js';
import chatLimits from './chat-limits.js';
import clusterFailover from './cluster-failover.js';
import multiNode from './multi-node.js';
import rateLimit from './rate-limit.js';
import reconnect from './reconnect.js';
import rollingDeploy from './rolling-deploy.js';
import redisRestart from './redis-restart.js';
import serverRestart from './server-restart.js';
import simFallback from './sim-fallback.js';
import storm from './storm.js';
import type { Scenario } from './support/scenario.js';
import tokenRefresh from './token-refresh.js';
import twoUsers from './two-users.js';

export const scenarios: Scenario[] = [
  twoUsers,
  rateLimit,
  chatLimits,
  block,
  reconnect,
  tokenRefresh,
  authReject,
  simFallback,
  multiNode,
  serverRestart,
  redisRestart,
  clusterFailover,
  rollingDeploy,
  storm,
  chaos,
];

export type { Scenario };
