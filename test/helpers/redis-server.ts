/** The tests use the same redis-server launcher as `rtgw scenario`. */
export { REDIS_SERVER_MISSING, freePort, startRedisServer, type RedisServer } from '../../scenarios/support/redis-server.js';
