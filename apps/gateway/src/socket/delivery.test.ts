import type { ServerEnvelope } from '@wfa/protocol';
import { SocketDelivery } from './delivery';

const ev = (sessionId: string, ms: number): ServerEnvelope =>
  ({ type: 'STEP_EXECUTION', sessionId, eventId: `${ms}-0`, timestamp: ms, payload: { stepId: 's1', status: 'running' } }) as ServerEnvelope;

describe('SocketDelivery', () => {
  it('sends each event once per socket', () => {
    const out: string[] = [];
    const d = new SocketDelivery((e) => out.push(`${e.sessionId}/${e.eventId}`));
    d.deliver(ev('a', 1));
    d.deliver(ev('a', 1));
    d.beginReplay('a');
    d.endReplay('a', [ev('a', 1), ev('a', 2)]);
    expect(out).toEqual(['a/1-0', 'a/2-0']);
  });

  it('remembers a bounded number of workflows, the least recently sent to forgotten first', () => {
    const out: string[] = [];
    const d = new SocketDelivery((e) => out.push(`${e.sessionId}/${e.eventId}`), 3);
    d.deliver(ev('a', 1));
    d.deliver(ev('b', 2));
    d.deliver(ev('c', 3));
    d.deliver(ev('a', 4)); // a is now the most recent; b the oldest
    d.deliver(ev('d', 5)); // forgets b
    expect(d.remembered).toBe(3);
    d.deliver(ev('a', 4)); // still remembered: not sent twice
    d.deliver(ev('b', 2)); // forgotten: sent again (only a resume of a long-idle workflow can do this)
    expect(out).toEqual(['a/1-0', 'b/2-0', 'c/3-0', 'a/4-0', 'd/5-0', 'b/2-0']);
    expect(d.remembered).toBe(3);
  });

  it('never forgets a workflow while its replay is in progress', () => {
    const out: string[] = [];
    const d = new SocketDelivery((e) => out.push(`${e.sessionId}/${e.eventId}`), 1);
    d.deliver(ev('a', 1));
    d.beginReplay('a');
    d.deliver(ev('b', 2)); // over the bound, but a is replaying
    d.endReplay('a', [ev('a', 1), ev('a', 3)]);
    expect(out).toEqual(['a/1-0', 'b/2-0', 'a/3-0']);
  });

  it('overlapping replays (a subscribe and the relay catch-up) send everything once, in log order, after the last one ends', () => {
    const out: string[] = [];
    const d = new SocketDelivery((e) => out.push(e.eventId));
    d.deliver(ev('a', 1));
    d.beginReplay('a'); // the catch-up
    d.beginReplay('a'); // a subscribe
    d.deliver(ev('a', 9)); // live, held
    d.endReplay('a', [ev('a', 5), ev('a', 6)]); // the catch-up ends first: nothing goes out yet
    expect(out).toEqual(['1-0']);
    d.endReplay('a', [ev('a', 2), ev('a', 3), ev('a', 5)]); // the subscribe's older replay
    expect(out).toEqual(['1-0', '2-0', '3-0', '5-0', '6-0', '9-0']);
  });

  it('follow() marks a workflow followed and where the socket stands in it; abandonReplay drops what was held', () => {
    const out: string[] = [];
    const d = new SocketDelivery((e) => out.push(e.eventId));
    d.follow('a', '7-0');
    expect(d.rememberedIds()).toEqual(['a']);
    expect(d.newest('a')).toBe('7-0');
    d.beginReplay('a');
    d.deliver(ev('a', 9));
    d.abandonReplay('a');
    d.deliver(ev('a', 10));
    expect(out).toEqual(['10-0']);
  });

  it('a replay that resends sends each replayed or held event once, and forgets nothing this socket was sent', () => {
    const out: string[] = [];
    const d = new SocketDelivery((e) => out.push(e.eventId));
    for (const ms of [1, 2, 3]) d.deliver(ev('a', ms));
    expect(d.hasSent('a', '1-0')).toBe(true);
    expect(d.hasSent('a', '4-0')).toBe(false);
    for (let round = 0; round < 2; round++) {
      d.beginReplay('a');
      d.deliver(ev('a', 4)); // live, held
      d.endReplay('a', [ev('a', 2), ev('a', 3), ev('a', 4)], true);
    }
    expect(out).toEqual(['1-0', '2-0', '3-0', '2-0', '3-0', '4-0', '2-0', '3-0', '4-0']);
    expect(['1-0', '2-0', '3-0', '4-0'].every((id) => d.hasSent('a', id))).toBe(true);
  });
});
