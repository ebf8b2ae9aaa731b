/**
 * Structured logs: one JSON object per line (pino). Tokens never reach a log line: every field that
 * can carry one is redacted by path, and callers log claims, never the compact JWT.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, nodeId: string): Logger {
  return pino({
    level,
    base: { node: nodeId },
    redact: {
      paths: ['token', 'realtimeToken', '*.token', '*.realtimeToken', 'authorization', '*.authorization', 'adminToken'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
