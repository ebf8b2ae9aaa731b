/**
 * The chat panel: a `role="log"` of messages (and join/leave lines), a message box with its
 * character count against the 240 limit shown while typing, and the reason when the SDK or the
 * gateway refuses a message. The panel only appends; the page decides what to append.
 */
import type { ChatMessage } from '../../client/index.js';
import { ChatRejectedError, Limits } from '../../client/index.js';
import { colourFor, el } from './dom.js';
import { chatRejectionText, countCharacters } from './feedback-text.js';

export interface ChatPanelElements {
  log: HTMLElement;
  form: HTMLFormElement;
  input: HTMLInputElement;
  count: HTMLElement;
  error: HTMLElement;
}

export class ChatPanel {
  private readonly seen = new Set<string>();
  private readonly lines: Array<{ id: string; userId: string; displayName: string; text: string }> = [];
  private over = false;

  constructor(
    private readonly e: ChatPanelElements,
    /** Sends a message; rejects with `ChatRejectedError` when refused. */
    private readonly send: (text: string) => Promise<unknown>,
  ) {
    e.input.addEventListener('input', () => this.updateCount());
    e.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
    this.updateCount();
  }

  /** A chat message, once per id, in the order given (the SDK delivers them sorted). */
  add(message: ChatMessage, selfId: string | null): void {
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    this.lines.push({ id: message.id, userId: message.userId, displayName: message.displayName, text: message.text });
    const p = el('p', message.userId === selfId ? 'chat-line chat-own' : 'chat-line');
    p.dataset.id = message.id;
    const who = el('span', 'chat-name', `${message.displayName}${message.userId === selfId ? ' (you)' : ''}: `);
    who.style.color = colourFor(message.userId);
    const time = el('time', 'chat-time', new Date(message.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    time.dateTime = new Date(message.ts).toISOString();
    p.append(time, ' ', who, message.text);
    this.append(p);
  }

  /** A line from the page itself ("Ada joined"). */
  note(text: string): void {
    this.append(el('p', 'chat-line chat-note', text));
  }

  clear(): void {
    this.seen.clear();
    this.lines.length = 0;
    this.e.log.replaceChildren();
    this.e.error.textContent = '';
  }

  messages(): Array<{ id: string; userId: string; displayName: string; text: string }> {
    return this.lines.map((l) => ({ ...l }));
  }

  /** Clears the box at once (typing goes on while the echo is on its way); puts the text back if refused. */
  private async submit(): Promise<void> {
    const text = this.e.input.value;
    this.e.input.value = '';
    this.updateCount();
    this.e.error.textContent = '';
    this.e.input.removeAttribute('aria-invalid');
    try {
      await this.send(text);
    } catch (err) {
      if (this.e.input.value === '') {
        this.e.input.value = text;
        this.updateCount();
      }
      this.e.input.setAttribute('aria-invalid', 'true');
      this.e.error.textContent = err instanceof ChatRejectedError ? chatRejectionText(err) : `Not sent: ${(err as Error).message}`;
    }
  }

  private updateCount(): void {
    const n = countCharacters(this.e.input.value);
    const max = Limits.CHAT_MAX_CODE_POINTS;
    const over = n > max;
    this.e.count.textContent = over ? `${n} / ${max} characters: ${n - max} too many` : `${n} / ${max} characters`;
    this.e.count.dataset.over = String(over);
    if (over !== this.over) {
      this.over = over;
      // Announced once when crossing the limit, not on every keystroke.
      this.e.error.textContent = over ? `The message is longer than ${max} characters.` : '';
    }
  }

  private append(node: HTMLElement): void {
    const log = this.e.log;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.append(node);
    while (log.childElementCount > 200) log.firstElementChild?.remove();
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
}
