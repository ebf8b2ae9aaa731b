/**
 * The convergence check every fault test and the chaos scenario end with. Within `timeoutMs`
 * (default 15 s, the contract's bound for a dead node):
 * - every open, joined client's member view equals the users that have a live joined session in
 *   its room (itself excluded);
 * - a fresh joiner on every given node gets a room_state listing exactly those users plus itself;
 * - no client received transforms or chat from a user outside its view (told it left, or never
 *   told it joined);
 * - every accepted chat (its sender got the echo) is in the fresh joiner's history, and no text
 *   appears twice there or with two ids in what any user received.
 * Blocks are not used with it: the contract hides blocked users, which this check does not model.
 */
import { Limits } from '../../protocol/index.js';
import { TrackedClient } from './tracked-client.js';

export interface ConvergenceInput {
  /** Every client the run opened, open or not (closed ones still count for violations and accepted chat). */
  clients: Iterable<TrackedClient>;
  /** Rooms to check (a room nobody is live in is checked too: it must be empty). */
  rooms: Iterable<string>;
  /** Base URLs of the nodes that are up; a fresh joiner joins through each. */
  nodes: string[];
  /** A token for (room, user). */
  token: (roomId: string, userId: string) => Promise<string>;
  timeoutMs?: number;
}

export interface ConvergenceReport {
  ok: boolean;
  problems: string[];
  /** How long the member views took to agree (ms), when they did. */
  viewsAgreedAfterMs?: number;
}

let probes = 0;

export async function checkConvergence(input: ConvergenceInput): Promise<ConvergenceReport> {
  const t0 = Date.now();
  const deadline = t0 + (input.timeoutMs ?? 15_000);
  const clients = [...input.clients];
  const rooms = [...new Set(input.rooms)];
  const problems: string[] = [];

  // 1. Member views. Clients are passive: nothing to await but their own frames, so re-check on a short poll.
  let viewProblems = viewMismatches(clients, rooms);
  while (viewProblems.length > 0 && Date.now() < deadline) {
    await delay(50);
    viewProblems = viewMismatches(clients, rooms);
  }
  const viewsAgreedAfterMs = viewProblems.length === 0 ? Date.now() - t0 : undefined;
  problems.push(...viewProblems);

  // 2. A fresh joiner on every node sees exactly the live members (retried until the deadline).
  const histories = new Map<string, string[]>();
  const probeClients: TrackedClient[] = [];
  for (const roomId of rooms) {
    for (const node of input.nodes) {
      let last = '';
      for (;;) {
        const userId = `probe-${process.pid}-${++probes}`;
        const expected = [...liveUsers(clients, roomId), userId].sort();
        let members: string[] = [];
        try {
          const probe = await TrackedClient.join(wsUrl(node), await input.token(roomId, userId), userId, `${userId}@${node}`, Math.max(1000, deadline - Date.now()));
          probeClients.push(probe);
          members = probe.state!.members.map((m) => m.userId).sort();
          histories.set(roomId, probe.state!.chat.map((m) => `${m.id}\u0000${m.text}`));
          probe.leave();
          await probe.sync().catch(() => {});
          await probe.close();
          if (same(members, expected)) break;
          last = `a fresh joiner of ${roomId} on ${node} saw [${members.join(', ')}], live members are [${expected.join(', ')}]`;
        } catch (err) {
          last = `a fresh joiner of ${roomId} on ${node} could not join: ${(err as Error).message}`;
        }
        if (Date.now() >= deadline) {
          problems.push(last);
          break;
        }
        await delay(100);
      }
    }
  }

  // 3. Nothing from outside the view, no duplicate, nothing accepted missing from history.
  for (const c of [...clients, ...probeClients]) problems.push(...c.violations);
  const seenByUser = new Map<string, Map<string, Set<string>>>();
  for (const c of clients) {
    let seen = seenByUser.get(c.userId);
    if (!seen) seenByUser.set(c.userId, (seen = new Map()));
    for (const [text, ids] of c.chatSeen) {
      const set = seen.get(text) ?? new Set();
      for (const id of ids) set.add(id);
      seen.set(text, set);
    }
  }
  for (const [userId, seen] of seenByUser) {
    for (const [text, ids] of seen) if (ids.size > 1) problems.push(`${userId} received chat "${text}" with ${ids.size} ids (${[...ids].join(', ')})`);
  }
  for (const roomId of rooms) {
    const history = histories.get(roomId);
    // By id: a resend answered with its original echo (after a lost answer) is one message, accepted on two sockets.
    const accepted = [...new Map(clients.filter((c) => c.roomId === roomId).flatMap((c) => c.accepted).map((m) => [m.id, m] as const)).values()];
    if (accepted.length >= Limits.CHAT_HISTORY) problems.push(`test error: ${accepted.length} accepted chats in ${roomId}, more than history keeps (${Limits.CHAT_HISTORY})`);
    if (!history) continue;
    const texts = history.map((h) => h.split('\u0000')[1]!);
    const dup = texts.filter((t, i) => texts.indexOf(t) !== i);
    if (dup.length > 0) problems.push(`chat history of ${roomId} holds ${[...new Set(dup)].map((t) => `"${t}"`).join(', ')} more than once`);
    const missing = accepted.filter((m) => !history.includes(`${m.id}\u0000${m.text}`));
    if (missing.length > 0) problems.push(`chat history of ${roomId} lacks ${missing.length} accepted message(s): ${missing.map((m) => `"${m.text}" (${m.id})`).join(', ')}`);
  }
  return { ok: problems.length === 0, problems, viewsAgreedAfterMs };
}

/** Throw one error listing every problem, when there is any. */
export async function assertConverged(input: ConvergenceInput): Promise<ConvergenceReport> {
  const report = await checkConvergence(input);
  if (!report.ok) throw new Error(`not converged:\n- ${report.problems.join('\n- ')}`);
  return report;
}

/** Users with a live joined session in `roomId`. */
export function liveUsers(clients: TrackedClient[], roomId: string): string[] {
  return [...new Set(clients.filter((c) => c.live && c.roomId === roomId).map((c) => c.userId))].sort();
}

function viewMismatches(clients: TrackedClient[], rooms: string[]): string[] {
  const out: string[] = [];
  for (const roomId of rooms) {
    const live = liveUsers(clients, roomId);
    for (const c of clients) {
      if (!c.live || c.roomId !== roomId) continue;
      const expected = live.filter((u) => u !== c.userId);
      const view = [...c.view].sort();
      if (!same(view, expected)) out.push(`${c.label} in ${roomId} sees [${view.join(', ')}], live members are [${expected.join(', ')}]`);
    }
  }
  return out;
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function wsUrl(base: string): string {
  return `${base.replace(/^http/, 'ws')}/realtime`;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
