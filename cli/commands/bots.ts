import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { SwarmStats } from '../../scenarios/support/swarm.js';
import { requireGateway } from '../gateway-check.js';
import { CliError } from '../errors.js';
import { idOption, intOption, urlOption } from '../options.js';

const STATUS_EVERY_MS = 3000;

function numberOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
    return n;
  };
}

interface BotsOptions {
  url: string;
  room: string;
  count: number;
  rate: number;
  chatEvery: number;
  duration: number;
  mobileRatio: number;
  killEvery: number;
}

export function registerBots(program: Command): void {
  program
    .command('bots')
    .description('run a swarm of bots that walk, turn and chat in a room (optionally killing their sockets)')
    .requiredOption('--url <url>', 'gateway base URL', urlOption)
    .option('--room <id>', 'room to join', idOption, 'lobby')
    .option('--count <n>', 'number of bots', intOption(1, 2000), 5)
    .option('--rate <hz>', 'transforms per second per bot (paced to 20/s desktop, 15/s mobile)', numberOption(0.1, 60), 10)
    .option('--chat-every <s>', 'mean seconds between one bot\'s chat messages (0: never)', numberOption(0, 3600), 10)
    .option('--duration <s>', 'stop after this many seconds (0: until Ctrl-C)', numberOption(0, 86_400), 0)
    .option('--mobile-ratio <f>', 'fraction of mobile bots', numberOption(0, 1), 0)
    .option('--kill-every <s>', 'drop a random bot\'s socket abruptly every S seconds (0: never)', numberOption(0, 3600), 0)
    .addHelpText('after', '\nExamples:\n  $ rtgw bots --url http://localhost:8080 --room lobby --count 5\n  $ rtgw bots --url http://localhost:8080 --count 50 --rate 20 --chat-every 5 --mobile-ratio 0.3 --kill-every 2 --duration 60')
    .action(async (o: BotsOptions) => {
      await requireGateway(o.url);
      const { Swarm } = await import('../../scenarios/support/swarm.js'); // the SDK and ws load only when bots run
      const swarm = new Swarm({ url: o.url, room: o.room, count: o.count, rate: o.rate, chatEvery: o.chatEvery, mobileRatio: o.mobileRatio, killEvery: o.killEvery });
      const print = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
      try {
        await swarm.start();
      } catch (err) {
        await swarm.stop();
        throw new CliError(`bots could not join ${o.url} room ${o.room}: ${(err as Error).message}`, 1);
      }
      print(`${o.count} bots joined room ${o.room} on ${o.url}${o.duration ? ` for ${o.duration} s` : ' (Ctrl-C stops)'}`);
      let previous = swarm.stats();
      let at = Date.now();
      const status = setInterval(() => {
        const now = Date.now();
        const s = swarm.stats();
        print(statusLine(s, previous, (now - at) / 1000));
        previous = s;
        at = now;
      }, STATUS_EVERY_MS);
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        if (o.duration > 0) setTimeout(done, o.duration * 1000);
      });
      clearInterval(status);
      const final = swarm.stats();
      await swarm.stop();
      print(`stopped: ${final.bots} bots, ${final.reconnects} reconnects, ${final.kills} kills, ${final.sent} transforms sent, ${final.received} received, ${final.chatsSent} chats sent`);
    });
}

function statusLine(s: SwarmStats, prev: SwarmStats, seconds: number): string {
  const rate = (a: number, b: number) => Math.round((a - b) / seconds);
  return `connected ${s.connected}/${s.bots}  reconnects ${s.reconnects}  kills ${s.kills}  sent ${rate(s.sent, prev.sent)}/s  received ${rate(s.received, prev.received)}/s  chat ${rate(s.chatsSent, prev.chatsSent)}/s out ${rate(s.chatsReceived, prev.chatsReceived)}/s in`;
}
