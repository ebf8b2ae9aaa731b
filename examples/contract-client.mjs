#!/usr/bin/env node
// contract-client.mjs — a third-party client written only from the wire contract
// (realtime-protocol.md, v1). It exercises the gateway end to end and prints one line per step.
//
// Usage: node examples/contract-client.mjs http://127.0.0.1:PORT
//
// Requirements: Node >= 20 (global fetch), the `ws` package. The gateway must have the
// development issuer (`POST /rooms/join`) enabled.
//
// Exit codes: 0 all steps passed, 1 at least one step failed, 2 missing/unreachable URL.

import WebSocket from 'ws';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const WAIT_MS = 5000; // every wait is bounded by this
const QUIET_MS = 400; // how long we listen when checking that something does NOT arrive
const OVERALL_MS = 120_000; // hard watchdog: the script never hangs

// ---------------------------------------------------------------------------------------------
// Arguments / reachability
// ---------------------------------------------------------------------------------------------

const arg = process.argv[2];
if (!arg) {
  console.log('usage: node examples/contract-client.mjs http://HOST:PORT  (gateway base URL missing)');
  process.exit(2);
}
let base;
try {
  base = new URL(arg);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
} catch {
  console.log(`invalid gateway URL: ${arg} (expected http://HOST:PORT)`);
  process.exit(2);
}
const baseStr = base.href.replace(/\/+$/, '');

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

class StepError extends Error {}
function expect(cond, message) {
  if (!cond) throw new StepError(message);
}
const show = (v) => {
  let s;
  try {
    s = JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s === undefined ? 'undefined' : s.length > 300 ? `${s.slice(0, 300)}...` : s;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const sameVec = (a, b) => Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);

function b64urlDecode(s) {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
}
function b64urlEncode(s) {
  return Buffer.from(s, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function jwtPayload(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) return null;
  try {
    return JSON.parse(b64urlDecode(parts[1]));
  } catch {
    return null;
  }
}

async function fetchWithTimeout(url, init = {}, ms = WAIT_MS) {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  try {
    return await fetch(url, { ...init, signal: ac.signal });
  } finally {
    clearTimeout(t);
  }
}

// ---------------------------------------------------------------------------------------------
// A WebSocket peer with an inbox and bounded waits
// ---------------------------------------------------------------------------------------------

const FATAL = (m) => m.type === 'error' || m.type === 'auth_error';

class Peer {
  constructor(name) {
    this.name = name;
    this.ws = null;
    this.inbox = []; // not yet consumed by a wait
    this.all = []; // everything ever received
    this.closed = null; // { code, reason } once closed
    this.waiters = new Set();
  }

  open(url) {
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        err ? reject(err) : resolve();
      };
      const timer = setTimeout(() => {
        done(new StepError(`${this.name}: WebSocket to ${url} did not open within ${WAIT_MS} ms`));
        try {
          this.ws?.terminate();
        } catch {}
      }, WAIT_MS);
      try {
        this.ws = new WebSocket(url);
      } catch (e) {
        done(new StepError(`${this.name}: cannot create WebSocket to ${url}: ${e.message}`));
        return;
      }
      this.ws.on('open', () => done());
      this.ws.on('error', (e) => done(new StepError(`${this.name}: WebSocket error on ${url}: ${e.message}`)));
      this.ws.on('unexpected-response', (_req, res) =>
        done(new StepError(`${this.name}: upgrade to ${url} refused with HTTP ${res.statusCode}`)),
      );
      this.ws.on('message', (data, isBinary) => {
        let msg;
        if (isBinary) msg = { type: '<binary frame>', bytes: data.length };
        else {
          try {
            msg = JSON.parse(data.toString('utf8'));
          } catch {
            msg = { type: '<non-JSON text frame>', raw: data.toString('utf8').slice(0, 100) };
          }
        }
        if (msg === null || typeof msg !== 'object' || typeof msg.type !== 'string') {
          msg = { type: '<message without string type>', raw: msg };
        }
        this.all.push(msg);
        this.inbox.push(msg);
        for (const w of [...this.waiters]) w.check();
      });
      this.ws.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString('utf8') };
        done(new StepError(`${this.name}: socket closed before open (code ${code})`));
        for (const w of [...this.waiters]) w.check();
      });
    });
  }

  send(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      throw new StepError(`${this.name}: cannot send ${obj.type}, socket not open`);
    }
    this.ws.send(JSON.stringify(obj));
  }

  describeInbox() {
    const pending = this.inbox.map((m) => (m.type === 'error' || m.type === 'auth_error' ? show(m) : m.type));
    const tail = pending.slice(-6).join(', ');
    const closed = this.closed ? `; socket closed with code ${this.closed.code}` : '';
    return `${pending.length ? `unconsumed messages: [${tail}]` : 'no unconsumed messages'}${closed}`;
  }

  /** Wait for (and consume) the first message matching `pred`. */
  next(pred, what, { timeout = WAIT_MS, failOn = FATAL } = {}) {
    return new Promise((resolve, reject) => {
      const w = {
        check: () => {
          const i = this.inbox.findIndex(pred);
          if (i >= 0) {
            const [m] = this.inbox.splice(i, 1);
            finish(null, m);
            return;
          }
          const bad = failOn && this.inbox.find(failOn);
          if (bad) {
            finish(new StepError(`${this.name}: expected ${what}, got ${show(bad)}`));
            return;
          }
          if (this.closed) {
            finish(
              new StepError(
                `${this.name}: expected ${what}, but the socket closed (code ${this.closed.code}${
                  this.closed.reason ? ` "${this.closed.reason}"` : ''
                }); ${this.describeInbox()}`,
              ),
            );
          }
        },
      };
      const timer = setTimeout(
        () => finish(new StepError(`${this.name}: expected ${what} within ${timeout} ms; ${this.describeInbox()}`)),
        timeout,
      );
      const finish = (err, m) => {
        clearTimeout(timer);
        this.waiters.delete(w);
        err ? reject(err) : resolve(m);
      };
      this.waiters.add(w);
      w.check();
    });
  }

  /** Wait for the socket to close; resolves with { code, reason }. */
  waitClose(what, timeout = WAIT_MS) {
    return new Promise((resolve, reject) => {
      const w = {
        check: () => {
          if (this.closed) finish(null, this.closed);
        },
      };
      const timer = setTimeout(
        () => finish(new StepError(`${this.name}: expected ${what} within ${timeout} ms, socket still open`)),
        timeout,
      );
      const finish = (err, v) => {
        clearTimeout(timer);
        this.waiters.delete(w);
        err ? reject(err) : resolve(v);
      };
      this.waiters.add(w);
      w.check();
    });
  }

  async close() {
    if (!this.ws || this.closed) return;
    try {
      this.ws.close(1000, 'done');
    } catch {}
    try {
      await this.waitClose('close', 1000);
    } catch {
      try {
        this.ws.terminate();
      } catch {}
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Step runner
// ---------------------------------------------------------------------------------------------

let passed = 0;
let failed = 0;
async function step(desc, fn) {
  const t0 = performance.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${desc} (${Math.round(performance.now() - t0)} ms)`);
    return true;
  } catch (e) {
    failed++;
    const msg = e instanceof StepError ? e.message : `unexpected exception: ${e?.stack ?? e}`;
    console.log(`FAIL ${desc}: ${msg}`);
    return false;
  }
}
function need(cond, what) {
  if (!cond) throw new StepError(`skipped, precondition not met (${what})`);
}

const peers = [];
async function shutdown(code) {
  await Promise.all(peers.map((p) => p.close()));
  process.exit(code);
}

const watchdog = setTimeout(() => {
  console.log(`FAIL watchdog: the run did not finish within ${OVERALL_MS} ms`);
  failed++;
  console.log(`${passed} passed, ${failed} failed`);
  for (const p of peers) {
    try {
      p.ws?.terminate();
    } catch {}
  }
  process.exit(1);
}, OVERALL_MS);
watchdog.unref();

// ---------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------

async function main() {
  // Reachability (exit 2 with one line when the gateway cannot be reached at all).
  try {
    await fetchWithTimeout(`${baseStr}/healthz`);
  } catch (e) {
    const why = e?.name === 'AbortError' ? `no answer within ${WAIT_MS} ms` : e?.cause?.code ?? e?.message ?? e;
    console.log(`gateway unreachable at ${baseStr}: ${why}`);
    process.exit(2);
  }

  const roomId = `contract-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const users = {
    alice: { userId: 'alice', displayName: 'Alice', device: 'desktop' },
    bob: { userId: 'bob', displayName: 'Bob', device: 'mobile' },
  };
  const creds = {};

  // 1. Tokens -----------------------------------------------------------------------------------
  await step(`POST /rooms/join issues tokens for alice and bob in room ${roomId}`, async () => {
    for (const u of Object.values(users)) {
      let res;
      try {
        res = await fetchWithTimeout(`${baseStr}/rooms/join`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ roomId, ...u }),
        });
      } catch (e) {
        throw new StepError(`POST /rooms/join for ${u.userId}: request failed (${e.message})`);
      }
      const text = await res.text();
      expect(res.status === 200, `POST /rooms/join for ${u.userId}: expected HTTP 200, got ${res.status} ${text.slice(0, 200)}`);
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        throw new StepError(`POST /rooms/join for ${u.userId}: expected JSON body, got ${text.slice(0, 200)}`);
      }
      expect(
        typeof body.realtimeToken === 'string' && body.realtimeToken.split('.').length === 3,
        `${u.userId}: expected realtimeToken as a compact JWS, got ${show(body.realtimeToken)}`,
      );
      expect(isNum(body.expiresAt) && body.expiresAt > Date.now(),
        `${u.userId}: expected expiresAt as epoch ms in the future, got ${show(body.expiresAt)}`);
      expect(body.roomId === roomId, `${u.userId}: expected roomId ${roomId}, got ${show(body.roomId)}`);
      expect(body.userId === u.userId, `${u.userId}: expected userId ${u.userId}, got ${show(body.userId)}`);
      expect(typeof body.wsUrl === 'string' && body.wsUrl.length > 0, `${u.userId}: expected wsUrl string, got ${show(body.wsUrl)}`);
      const claims = jwtPayload(body.realtimeToken);
      expect(claims, `${u.userId}: token payload is not base64url JSON`);
      for (const c of ['sub', 'room', 'exp', 'iat']) {
        expect(claims[c] !== undefined, `${u.userId}: token lacks required claim ${c}: ${show(claims)}`);
      }
      expect(claims.sub === u.userId && claims.room === roomId,
        `${u.userId}: expected token sub=${u.userId} room=${roomId}, got sub=${show(claims.sub)} room=${show(claims.room)}`);
      // wsUrl may be absolute (ws://...) or a path; resolve it against the base URL.
      const ws = new URL(body.wsUrl, baseStr.replace(/^http/, 'ws'));
      if (ws.protocol === 'http:') ws.protocol = 'ws:';
      if (ws.protocol === 'https:') ws.protocol = 'wss:';
      creds[u.userId] = { token: body.realtimeToken, wsUrl: ws.href, body };
    }
  });

  const wsUrlFor = (userId) => creds[userId]?.wsUrl ?? `${baseStr.replace(/^http/, 'ws')}/realtime`;
  const alice = new Peer('alice');
  const bob = new Peer('bob');
  peers.push(alice, bob);
  let aliceIn = false;
  let bobIn = false;

  // 2. Alice joins --------------------------------------------------------------------------------
  await step('alice opens the socket, sends join_room, receives room_state', async () => {
    need(creds.alice, 'alice token');
    await alice.open(wsUrlFor('alice'));
    alice.send({ type: 'join_room', token: creds.alice.token });
    const st = await alice.next((m) => m.type === 'room_state', 'room_state');
    expect(st.roomId === roomId, `room_state.roomId: expected ${roomId}, got ${show(st.roomId)}`);
    expect(st.self && st.self.userId === 'alice', `room_state.self.userId: expected "alice", got ${show(st.self)}`);
    expect(typeof st.self.sessionId === 'string' && st.self.sessionId.length > 0,
      `room_state.self.sessionId: expected non-empty string, got ${show(st.self.sessionId)}`);
    expect(Array.isArray(st.members), `room_state.members: expected array, got ${show(st.members)}`);
    const me = st.members.find((m) => m && m.userId === 'alice');
    expect(me, `room_state.members: expected alice among ${show(st.members)}`);
    expect(me.displayName === 'Alice', `alice member.displayName: expected "Alice", got ${show(me.displayName)}`);
    expect(me.device === 'desktop', `alice member.device: expected "desktop", got ${show(me.device)}`);
    expect(isNum(me.joinedAt), `alice member.joinedAt: expected epoch ms, got ${show(me.joinedAt)}`);
    expect(Array.isArray(st.chat), `room_state.chat: expected array, got ${show(st.chat)}`);
    expect(isNum(st.serverTime), `room_state.serverTime: expected epoch ms, got ${show(st.serverTime)}`);
    aliceIn = true;
  });

  // 3. Bob joins ------------------------------------------------------------------------------------
  await step('bob joins: alice gets member_joined(bob), bob\'s room_state lists alice and bob', async () => {
    need(aliceIn && creds.bob, 'alice joined and bob token');
    await bob.open(wsUrlFor('bob'));
    bob.send({ type: 'join_room', token: creds.bob.token });
    const [st, mj] = await Promise.all([
      bob.next((m) => m.type === 'room_state', 'room_state'),
      alice.next((m) => m.type === 'member_joined' && m.member?.userId === 'bob', 'member_joined for bob'),
    ]);
    expect(st.roomId === roomId, `bob room_state.roomId: expected ${roomId}, got ${show(st.roomId)}`);
    expect(st.self?.userId === 'bob', `bob room_state.self.userId: expected "bob", got ${show(st.self)}`);
    const ids = (st.members ?? []).map((m) => m?.userId).sort();
    expect(ids.includes('alice') && ids.includes('bob'), `bob room_state.members: expected alice and bob, got ${show(ids)}`);
    expect(mj.member.displayName === 'Bob', `member_joined.member.displayName: expected "Bob", got ${show(mj.member.displayName)}`);
    expect(mj.member.device === 'mobile', `member_joined.member.device: expected "mobile", got ${show(mj.member.device)}`);
    expect(isNum(mj.member.joinedAt), `member_joined.member.joinedAt: expected epoch ms, got ${show(mj.member.joinedAt)}`);
    bobIn = true;
  });

  // 4. Transforms ---------------------------------------------------------------------------------
  const transformFrom = (userId, seq) => (m) =>
    m.type === 'avatar_transform_broadcast' &&
    Array.isArray(m.transforms) &&
    m.transforms.some((t) => t && t.userId === userId && t.seq === seq);

  async function exchangeTransform(from, to, fromId, p, r, seq) {
    from.send({ type: 'avatar_transform', p, r, seq });
    const m = await to.next(transformFrom(fromId, seq), `avatar_transform_broadcast carrying ${fromId} seq ${seq}`);
    const t = m.transforms.find((x) => x.userId === fromId && x.seq === seq);
    expect(sameVec(t.p, p), `transform.p: expected ${show(p)}, got ${show(t.p)}`);
    expect(sameVec(t.r, r), `transform.r: expected ${show(r)}, got ${show(t.r)}`);
    expect(isNum(t.ts), `transform.ts: expected epoch ms, got ${show(t.ts)}`);
  }

  await step('alice avatar_transform reaches bob in avatar_transform_broadcast', async () => {
    need(aliceIn && bobIn, 'both joined');
    await exchangeTransform(alice, bob, 'alice', [1, 2, 3], [0, 0, 0, 1], 1);
  });
  await step('bob avatar_transform reaches alice in avatar_transform_broadcast', async () => {
    need(aliceIn && bobIn, 'both joined');
    await exchangeTransform(bob, alice, 'bob', [-4.5, 0, 7.25], [0, 0.7071, 0, 0.7071], 1);
  });
  await step('no sender receives its own transform', async () => {
    need(aliceIn && bobIn, 'both joined');
    await sleep(QUIET_MS); // let any pending coalesced flush arrive
    for (const [peer, id] of [[alice, 'alice'], [bob, 'bob']]) {
      const echo = peer.all.find(
        (m) => m.type === 'avatar_transform_broadcast' && (m.transforms ?? []).some((t) => t?.userId === id),
      );
      expect(!echo, `${id}: expected no broadcast carrying its own transform, got ${show(echo)}`);
    }
  });

  // 5. Chat ---------------------------------------------------------------------------------------
  // The anti-spam budget (5 per 10 s) is per user across ALL of that user's connections and rooms,
  // so back-to-back runs with the same user ids can hit it. The contract's answer is
  // `chat_rejected rate_limited` with `retryAfterMs`: honour it once, then resend.
  const chatSettled = (clientMsgId) => (x) =>
    (x.type === 'chat_broadcast' && x.clientMsgId === clientMsgId) ||
    (x.type === 'chat_rejected' && (x.clientMsgId === clientMsgId || x.clientMsgId === undefined));

  async function sendChat(peer, text, clientMsgId, what) {
    for (let attempt = 0; ; attempt++) {
      peer.send({ type: 'chat_send', text, clientMsgId });
      const m = await peer.next(chatSettled(clientMsgId), what);
      if (m.type === 'chat_rejected' && m.reason === 'rate_limited' && attempt === 0) {
        const wait = isNum(m.retryAfterMs) ? m.retryAfterMs : 1000;
        expect(wait >= 0 && wait <= 10_000 + 1000,
          `chat_rejected rate_limited: expected retryAfterMs within the 10 s window, got ${show(m.retryAfterMs)}`);
        await sleep(wait + 100);
        continue;
      }
      return m;
    }
  }

  async function exchangeChat(from, to, fromId, fromName, text, clientMsgId) {
    const own = await sendChat(from, text, clientMsgId, `own chat_broadcast echo with clientMsgId ${clientMsgId}`);
    expect(own.type === 'chat_broadcast', `${fromId}: expected own chat_broadcast echo, got ${show(own)}`);
    const other = await to.next((m) => m.type === 'chat_broadcast' && m.id === own.id,
      `chat_broadcast from ${fromId} with id ${own.id}`);
    for (const [who, m] of [[`${fromId} (echo)`, own], ['receiver', other]]) {
      expect(typeof m.id === 'string' && m.id.length > 0, `${who}: chat id expected non-empty string, got ${show(m.id)}`);
      expect(m.roomId === roomId, `${who}: chat roomId expected ${roomId}, got ${show(m.roomId)}`);
      expect(m.userId === fromId, `${who}: chat userId expected ${fromId}, got ${show(m.userId)}`);
      expect(m.displayName === fromName, `${who}: chat displayName expected ${fromName}, got ${show(m.displayName)}`);
      expect(m.text === text, `${who}: chat text expected ${show(text)}, got ${show(m.text)}`);
      expect(isNum(m.ts), `${who}: chat ts expected epoch ms, got ${show(m.ts)}`);
    }
  }

  await step('alice chat: echo with clientMsgId to alice, message to bob', async () => {
    need(aliceIn && bobIn, 'both joined');
    await exchangeChat(alice, bob, 'alice', 'Alice', 'hello bob', 'a-1');
  });
  await step('bob chat: echo with clientMsgId to bob, message to alice', async () => {
    need(aliceIn && bobIn, 'both joined');
    await exchangeChat(bob, alice, 'bob', 'Bob', 'hi alice', 'b-1');
  });

  // 6. Too long chat -----------------------------------------------------------------------------
  await step('chat of 241 characters is rejected with chat_rejected too_long', async () => {
    need(aliceIn, 'alice joined');
    const text = 'x'.repeat(241);
    const m = await sendChat(alice, text, 'a-long', 'chat_rejected for clientMsgId a-long');
    expect(m.type === 'chat_rejected', `expected chat_rejected, got ${show(m).slice(0, 120)}`);
    expect(m.reason === 'too_long', `chat_rejected.reason: expected "too_long", got ${show(m.reason)}`);
    await sleep(QUIET_MS);
    const leaked = bob.all.find((x) => x.type === 'chat_broadcast' && x.text === text);
    expect(!leaked, 'bob: expected no chat_broadcast of the rejected message, but got one');
  });

  // 6b. Boundary: 240 Unicode code points (astral, i.e. 480 UTF-16 units) are accepted.
  await step('chat of 240 code points (astral characters) is accepted', async () => {
    need(aliceIn, 'alice joined');
    const text = '\u{1F600}'.repeat(240);
    const m = await sendChat(alice, text, 'a-240', 'chat_broadcast echo with clientMsgId a-240');
    expect(m.type === 'chat_broadcast', `expected chat_broadcast, got ${show(m)}`);
    expect(m.text === text, `expected the 240 emoji back unchanged, got ${[...(m.text ?? '')].length} code points`);
  });

  // 7. Tampered token ----------------------------------------------------------------------------
  const mallory = new Peer('tampered');
  peers.push(mallory);
  await step('join_room with a tampered token gets auth_error then close 4001', async () => {
    need(creds.alice, 'a valid token to tamper with');
    const [h, , s] = creds.alice.token.split('.');
    const claims = jwtPayload(creds.alice.token);
    const forged = `${h}.${b64urlEncode(JSON.stringify({ ...claims, sub: 'mallory', name: 'Mallory' }))}.${s}`;
    await mallory.open(wsUrlFor('alice'));
    mallory.send({ type: 'join_room', token: forged });
    const err = await mallory.next((m) => m.type === 'auth_error', 'auth_error', {
      failOn: (m) => m.type === 'room_state' || m.type === 'error',
    });
    expect(err.code === 'token_invalid', `auth_error.code: expected "token_invalid", got ${show(err.code)}`);
    expect(typeof err.message === 'string', `auth_error.message: expected string, got ${show(err.message)}`);
    const c = await mallory.waitClose('close 4001 after auth_error');
    expect(c.code === 4001, `close code: expected 4001, got ${c.code}${c.reason ? ` "${c.reason}"` : ''}`);
    const joined = alice.all.find((m) => m.type === 'member_joined' && m.member?.userId === 'mallory');
    expect(!joined, 'alice: expected no member_joined for the forged user, got one');
  });

  // 8. Bob leaves ----------------------------------------------------------------------------------
  await step('bob sends leave_room: alice gets member_left(bob, left), bob\'s socket stays open', async () => {
    need(aliceIn && bobIn, 'both joined');
    bob.send({ type: 'leave_room' });
    const m = await alice.next((x) => x.type === 'member_left' && x.userId === 'bob', 'member_left for bob');
    expect(m.reason === 'left', `member_left.reason: expected "left", got ${show(m.reason)}`);
    await sleep(200);
    expect(!bob.closed && bob.ws.readyState === WebSocket.OPEN,
      `bob: expected socket to stay open after leave_room, got ${bob.closed ? `close ${bob.closed.code}` : `readyState ${bob.ws.readyState}`}`);
  });

  // 9. Ping / pong ---------------------------------------------------------------------------------
  await step('ping with ts gets pong echoing ts', async () => {
    need(aliceIn, 'alice joined');
    const ts = Date.now();
    alice.send({ type: 'ping', ts });
    const m = await alice.next((x) => x.type === 'pong', 'pong');
    expect(m.ts === ts, `pong.ts: expected ${ts}, got ${show(m.ts)}`);
    expect(isNum(m.serverTime), `pong.serverTime: expected epoch ms, got ${show(m.serverTime)}`);
  });

  console.log(`${passed} passed, ${failed} failed`);
  await shutdown(failed === 0 ? 0 : 1);
}

main().catch(async (e) => {
  console.log(`FAIL unexpected error: ${e?.stack ?? e}`);
  failed++;
  console.log(`${passed} passed, ${failed} failed`);
  await shutdown(1);
});
