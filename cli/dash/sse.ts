/**
 * A Server-Sent Events parser (the WHATWG event-stream format): feed it text as it arrives, get
 * whole messages back. Handles `event`, `data` (several lines joined by "\n"), comments, and lines
 * or messages split across chunks; `id` and `retry` are read and ignored (the dash reconnects by
 * its own policy and always starts from a fresh snapshot).
 */
export interface SseMessage {
  /** The `event:` field; "message" when absent. */
  event: string;
  data: string;
}

export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  /** Parse `chunk` and return the messages it completed. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const messages: SseMessage[] = [];
    let start = 0;
    const newline = /\r\n|\r|\n/g;
    for (let match = newline.exec(this.buffer); match; match = newline.exec(this.buffer)) {
      // A "\r" that ends the chunk may be the first half of "\r\n": wait for the next chunk.
      if (match[0] === '\r' && match.index + 1 === this.buffer.length) break;
      const message = this.line(this.buffer.slice(start, match.index));
      start = match.index + match[0].length;
      if (message) messages.push(message);
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const message = { event: this.event || 'message', data: this.data.join('\n') };
      this.event = '';
      this.data = [];
      return message;
    }
    if (line.startsWith(':')) return undefined; // a comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return undefined;
  }
}
