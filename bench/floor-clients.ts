/**
 * The clients of `bench/floor.ts`, in a process of their own: `floor-clients.js URL N RATE`. Each
 * counts what it receives; on 'send' from the parent, each sends a transform RATE times a second,
 * spread evenly, until 'stop'; on 'cpu' the process answers with its CPU usage so far.
 */
import WebSocket from 'ws';
import { TRANSFORM } from './floor.js';

const [url, n, rate] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
const sockets: WebSocket[] = [];
for (let i = 0; i < n; i++) {
  const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
  ws.on('message', () => undefined);
  ws.on('error', () => undefined);
  sockets.push(ws);
}
let timers: NodeJS.Timeout[] = [];
process.on('message', (msg) => {
  if (msg === 'send') {
    // Ten groups, each on its own phase of the interval, as clients' sends are spread in time.
    const groups = 10;
    timers = Array.from({ length: groups }, (_, g) =>
      setTimeout(() => {
        const tick = () => {
          for (let i = g; i < sockets.length; i += groups) if (sockets[i]!.readyState === WebSocket.OPEN) sockets[i]!.send(TRANSFORM);
        };
        tick();
        timers.push(setInterval(tick, 1000 / rate));
      }, (g * 1000) / rate / groups),
    );
  }
  if (msg === 'stop') for (const t of timers) clearTimeout(t);
  if (msg === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => process.exit(0));
