export { startGateway, type Gateway, type StartGatewayOptions } from './server.js';
export { resolveConfig, configFromEnv, ConfigError, type GatewayConfig, type GatewayConfigInput } from './config.js';
export type { Store } from './store/types.js';
