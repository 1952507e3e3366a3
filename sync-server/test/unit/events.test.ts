import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events.ts';

function bus() {
  const logs: Record<string, unknown>[] = [];
  const events = new EventBus(pino({ level: 'error' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }));
  return { events, logs };
}

describe('the event bus', () => {
  it('tells every listener of an event, in the order they subscribed, before emit returns; not those of other events', () => {
    const { events } = bus();
    const heard: string[] = [];
    events.on('rights.changed', ({ documentId }) => void heard.push(`first ${documentId}`));
    events.on('rights.changed', ({ documentId }) => void heard.push(`second ${documentId}`));
    events.on('session.ended', ({ sessionId }) => void heard.push(`session ${sessionId}`));
    events.emit('rights.changed', { documentId: 'd_1' });
    expect(heard).toEqual(['first d_1', 'second d_1']);
  });

  it('logs a listener that throws or rejects, and still tells the others; emit itself never throws', async () => {
    const { events, logs } = bus();
    const heard: string[] = [];
    events.on('session.ended', () => {
      throw new Error('listener broke');
    });
    events.on('session.ended', async () => {
      throw new Error('listener rejected');
    });
    events.on('session.ended', ({ sessionId }) => void heard.push(sessionId));
    expect(() => events.emit('session.ended', { sessionId: 's1' })).not.toThrow();
    expect(heard).toEqual(['s1']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs.map((entry) => [entry.msg, entry.event, (entry.err as { message: string }).message, (entry.payload as { sessionId: string }).sessionId])).toEqual([
      ['an event listener failed', 'session.ended', 'listener broke', 's1'],
      ['an event listener failed', 'session.ended', 'listener rejected', 's1'],
    ]);
  });

  it('stops telling a listener once it unsubscribed', () => {
    const { events } = bus();
    let heard = 0;
    const unsubscribe = events.on('rights.changed', () => void (heard += 1));
    events.emit('rights.changed', { documentId: 'd_1' });
    unsubscribe();
    events.emit('rights.changed', { documentId: 'd_1' });
    expect(heard).toBe(1);
  });
});
