/**
 * Blocklists of the users who have sessions on this node. A session's `blocked` set is what
 * fan-out checks; it is undefined for users who block nobody, so they cost nothing.
 * Changes made on any node arrive through the store (`onBlocksChanged`) within milliseconds.
 */
import type { Fault } from './config.js';
import type { Logger } from './log.js';
import { memberOf } from './member.js';
import type { Session } from './session.js';
import type { Store } from './store/types.js';

/** What blocklists need from the node that composes them (the hub). */
export interface BlocklistHost {
  readonly store: Store;
  readonly faults: ReadonlySet<Fault>;
  readonly log: Logger;
}

export class Blocklists {
  /** This node's sessions, by userId. */
  private readonly sessionsByUser = new Map<string, Set<Session>>();

  constructor(private readonly hub: BlocklistHost) {}

  /** Follow `session`'s user's blocklist; returns it (undefined when empty). */
  async track(session: Session): Promise<Set<string> | undefined> {
    let sessions = this.sessionsByUser.get(session.userId);
    if (!sessions) this.sessionsByUser.set(session.userId, (sessions = new Set()));
    sessions.add(session);
    if (this.hub.faults.has('ignore-blocklist')) return undefined;
    return toSet(await this.hub.store.getBlocked(session.userId));
  }

  untrack(session: Session): void {
    const sessions = this.sessionsByUser.get(session.userId);
    if (!sessions?.delete(session)) return;
    if (sessions.size === 0) this.sessionsByUser.delete(session.userId);
  }

  /** `userId`'s blocklist changed somewhere: reload it for this node's sessions of that user. */
  changed(userId: string): void {
    if (!this.sessionsByUser.has(userId) || this.hub.faults.has('ignore-blocklist')) return;
    this.hub.store
      .getBlocked(userId)
      .then((list) => {
        for (const session of this.sessionsByUser.get(userId) ?? []) {
          const before = session.blocked;
          session.blocked = toSet(list);
          for (const other of before ?? []) {
            if (!session.blocked?.has(other)) void this.show(session, other, true);
          }
          for (const other of list) {
            if (!before?.has(other)) void this.show(session, other, false);
          }
        }
      })
      .catch((err: unknown) => this.hub.log.warn({ err, user: userId }, 'could not reload a blocklist'));
  }

  /**
   * Keep the blocker's view whole: a member it just blocked leaves its view (`member_left`), a
   * member it just unblocked comes back (`member_joined`, with the latest transform) — each only if
   * that member is in the room.
   */
  private async show(session: Session, userId: string, visible: boolean): Promise<void> {
    const room = session.room;
    if (!room) return;
    const snapshot = await this.hub.store.getRoom(room.roomId);
    const record = snapshot.members.find((m) => m.userId === userId);
    if (!record || session.room !== room || session.blocked?.has(userId) === visible) return;
    if (!visible) return session.send({ type: 'member_left', userId, reason: 'left' });
    const transform = room.transformOf(userId) ?? snapshot.transforms[userId];
    session.send({ type: 'member_joined', member: transform ? { ...memberOf(record), transform } : memberOf(record) });
  }
}

function toSet(list: string[]): Set<string> | undefined {
  return list.length > 0 ? new Set(list) : undefined;
}
