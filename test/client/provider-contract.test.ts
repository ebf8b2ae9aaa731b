/**
 * Every provider passes the same contract: the simulation, the WebSocket provider against the real
 * gateway, and the WebSocket provider against the fake gateway the close-code tests rely on (so the
 * fake is shown to behave like the real thing where both are tested).
 */
import { createRealtimeProvider, SimRealtimeProvider, WsRealtimeProvider, type RealtimeProvider } from '../../client/index.js';
import { nextEvent, startBackend, uid, wsCtor, type Backend } from './helpers.js';
import { providerContract, type ContractHarness } from './provider-contract.js';

function wsHarness(kind: Backend['kind']): ContractHarness {
  let backend: Backend;
  const peers: RealtimeProvider[] = [];
  return {
    async setup() {
      backend = await startBackend(kind);
    },
    create: (userId) =>
      // Through the factory, as apps do; `env: {}` keeps the test runner's environment out of it.
      createRealtimeProvider({ provider: 'ws', url: backend.url, userId, WebSocket: wsCtor, env: {} }),
    async addPeer(roomId, subject) {
      const userId = uid('peer');
      const peer = new WsRealtimeProvider({ url: backend.url, userId, displayName: 'Peer', device: 'mobile', WebSocket: wsCtor });
      peers.push(peer);
      // The peer's room_state and the subject's member_joined race; the peer is "in" once both arrived.
      const announced = nextEvent(subject, 'memberJoined', (m) => m.userId === userId);
      await peer.joinRoom(roomId);
      await announced;
      return {
        userId,
        move: (p) => peer.sendTransform(p, [0, 0, 0, 1]),
        chat: async (text) => void (await peer.sendChat(text)),
        leave: () => peer.leaveRoom(),
      };
    },
    async teardown() {
      await Promise.all(peers.splice(0).map((p) => p.disconnect()));
      await backend.close();
    },
  };
}

const sims = new Map<string, SimRealtimeProvider>();
const simHarness: ContractHarness = {
  async setup() {},
  create(userId) {
    // Two wandering members that never chat on their own, so the test's peer is what it observes.
    const sim = new SimRealtimeProvider({ userId, members: 2, chatEveryMs: 0, latencyMs: 5, tickHz: 20 });
    sims.set(userId, sim);
    return sim;
  },
  async addPeer(_roomId, subject) {
    const sim = sims.get(subject.getState().self!.userId)!;
    const member = sim.addMember()!;
    return {
      userId: member.userId,
      move: (p) => sim.moveMember(member.userId, p),
      chat: async (text) => void sim.memberChat(member.userId, text),
      leave: async () => sim.removeMember(member.userId),
    };
  },
  async teardown() {
    sims.clear();
  },
};

providerContract('sim', simHarness);
providerContract('ws against the real gateway', wsHarness('gateway'));
providerContract('ws against the fake gateway', wsHarness('fake'));
