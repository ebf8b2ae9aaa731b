/**
 * rtgw/client: one realtime interface for apps, with a WebSocket provider (the gateway) and a
 * simulated one (no network), picked by a flag. Runs in browsers and in Node.
 */
export { createRealtimeProvider } from './create.js';
export { WsRealtimeProvider, WS_DEFAULTS } from './ws-provider.js';
export { SimRealtimeProvider, SIM_DEFAULTS } from './sim-provider.js';
export { resolveFlags, type ResolvedFlags } from './flags.js';
export { devIssuerTokenSource, type DevIssuerOptions } from './token-source.js';
export { CLOSE_POLICY, DEFAULT_CLOSE_POLICY, closePolicy, reconnectDelay, type ClosePolicy } from './backoff.js';
export { ChatRejectedError, RealtimeError, TokenSourceError, type RealtimeErrorCode } from './errors.js';
export {
  InterpolationBuffer, lerp, lerpVec3, normalizeQuat, slerp,
  type InterpolationOptions, type SampledTransform, type TransformSample,
} from './interpolation.js';
export { createAvatarSmoother, type AvatarSmoother } from './smoothing.js';
export { transformIntervalMs } from './pacer.js';
export { seededRandom } from './random.js';
export type * from './types.js';
export {
  CloseCode, ChatRejectReason, LeaveReason, AuthErrorCode, ErrorCode, Device, TRANSFORM_RATE_PER_SECOND, Limits,
} from '../protocol/index.js';
