/**
 * The member list (`<ul aria-labelledby="members-heading">`, accessible name "Members"): who is
 * in the room, this user first, each with the colour of their avatar and their device. Redrawn
 * on membership events only, never per frame.
 */
import type { Member } from '../../client/index.js';
import { colourFor, el } from './dom.js';

export class MemberList {
  constructor(
    private readonly list: HTMLUListElement,
    private readonly count: HTMLElement,
  ) {}

  render(members: readonly Member[], selfId: string | null): void {
    const sorted = [...members].sort((a, b) =>
      a.userId === selfId ? -1 : b.userId === selfId ? 1 : a.displayName.localeCompare(b.displayName) || a.userId.localeCompare(b.userId));
    const items = sorted.map((m) => {
      const li = el('li', 'member');
      li.dataset.userId = m.userId;
      const swatch = el('span', 'swatch');
      swatch.setAttribute('aria-hidden', 'true');
      swatch.style.backgroundColor = colourFor(m.userId);
      const name = el('span', 'member-name', m.displayName);
      li.append(swatch, name);
      if (m.userId === selfId) li.append(el('span', 'member-you', ' (you)'));
      li.append(el('span', 'member-device', ` · ${m.device}`));
      return li;
    });
    this.list.replaceChildren(...items);
    this.count.textContent = members.length === 1 ? '1 person here' : `${members.length} people here`;
  }

  clear(): void {
    this.list.replaceChildren();
    this.count.textContent = '';
  }
}
