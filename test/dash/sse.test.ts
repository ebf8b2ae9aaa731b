import { describe, expect, it } from 'vitest';
import { SseParser } from '../../cli/dash/sse.js';

describe('SseParser', () => {
  it('turns event and data lines into messages at each blank line', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 2000\n\nevent: chat\ndata: {"a":1}\n\nevent: transforms\ndata: {"b":2}\n\n')).toEqual([
      { event: 'chat', data: '{"a":1}' },
      { event: 'transforms', data: '{"b":2}' },
    ]);
  });

  it('keeps a message split anywhere across chunks, CRLF included, until it is complete', () => {
    const parser = new SseParser();
    const wire = 'event: snapshot\r\ndata: {"roomId":"lobby"}\r\n\r\n';
    const got = [];
    for (const ch of wire) got.push(...parser.push(ch));
    expect(got).toEqual([{ event: 'snapshot', data: '{"roomId":"lobby"}' }]);
  });

  it('joins several data lines with newlines, defaults the event name, ignores comments and unknown fields', () => {
    const parser = new SseParser();
    expect(parser.push(': keepalive\n\nid: 7\ndata:one\ndata: two\nfoo: bar\n\n')).toEqual([{ event: 'message', data: 'one\ntwo' }]);
  });

  it('an event field without data produces nothing and does not leak into the next message', () => {
    const parser = new SseParser();
    expect(parser.push('event: lonely\n\ndata: x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });
});
