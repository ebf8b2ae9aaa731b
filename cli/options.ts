/** Small parsers shared by commands: each turns a bad value into one line naming the flag. */
import { InvalidArgumentError } from 'commander';
// codes.js is plain data; protocol/index.js would load zod for every command, even --help.
import { ID_PATTERN } from '../protocol/codes.js';

export function intOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

export function idOption(value: string): string {
  if (!ID_PATTERN.test(value)) throw new InvalidArgumentError('ids are 1..64 characters of [A-Za-z0-9_.:-]');
  return value;
}

export function urlOption(value: string): string {
  try {
    const url = new URL(value);
    if (!['http:', 'https:'].includes(url.protocol)) throw new Error();
    return url.toString().replace(/\/$/, '');
  } catch {
    throw new InvalidArgumentError('expected an http(s) URL such as http://localhost:8080');
  }
}

export function redisUrlOption(value: string): string {
  try {
    const url = new URL(value);
    if (!['redis:', 'rediss:'].includes(url.protocol)) throw new Error();
    return value;
  } catch {
    throw new InvalidArgumentError('expected a Redis URL such as redis://127.0.0.1:6379');
  }
}

/** `host:port,host:port` (Redis Cluster seed nodes); returned as given. */
export function redisClusterOption(value: string): string {
  const nodes = value.split(',').map((n) => n.trim());
  const bad = nodes.find((n) => !/^(\[[^\]]+\]|[^\s:,[\]]+):\d{1,5}$/.test(n) || Number(n.slice(n.lastIndexOf(':') + 1)) > 65_535);
  if (bad !== undefined) throw new InvalidArgumentError(`expected host:port,host:port (Redis Cluster seed nodes), not ${JSON.stringify(bad)}`);
  return nodes.join(',');
}
