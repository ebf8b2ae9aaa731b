/** The wire `Member` of a stored membership record (what other members are shown). */
import type { Member } from '../protocol/index.js';
import type { MemberRecord } from './store/types.js';

export function memberOf(record: MemberRecord): Member {
  return { userId: record.userId, displayName: record.displayName, device: record.device, joinedAt: record.joinedAt };
}
