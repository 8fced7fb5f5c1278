/**
 * The relay against a real Redis: it must be subscribed when startRelay resolves, whenever the
 * subscriber connection was in its handshake, and stay subscribed across reconnects.
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { ServerEnvelope } from '@wfa/protocol';
import { createLogger } from '@wfa/runtime';
import { startRelay, type Relay } from './relay';

const url = process.env['REDIS_URL'];
if (!url) throw new Error('REDIS_URL is not set: run the tests through `npm test` (it starts a private redis-server)');
const logger = createLogger('relay-test', { level: 'error', json: false });
const opened: Redis[] = [];
const open = (name: string, autoResubscribe = true) => {
  const r = new Redis(url, { connectionName: name, maxRetriesPerRequest: null, retryStrategy: () => 50, autoResubscribe });
  r.on('error', () => undefined);
  opened.push(r);
  return r;
};
afterAll(async () => {
  await Promise.all(opened.map((r) => (r.status === 'end' ? undefined : r.quit().catch(() => r.disconnect()))));
});

const message = (userId: string, n: number) =>
  JSON.stringify({ v: 1, userId, envelope: { type: 'WORKFLOW_STATUS', sessionId: 'wf_relay', eventId: `${1000 + n}-0`, payload: { planState: 'running', steps: [] }, timestamp: 1 } });


test('subscribed once started, even when started during the connection handshake', async () => {
  const channel = `relay-test-${randomBytes(4).toString('hex')}`;
  const pub = open('relay-test-pub');
  for (let i = 0; i < 5; i++) {
    const sub = open('relay-test-sub');
    // Start the relay exactly in the window that lost the subscription before (status 'connect':
    // TCP up, handshake and ready check not done).
    const relay = await new Promise<Relay>((resolve, reject) =>
      sub.once('connect', () => startRelay(sub, channel, logger, () => undefined).then(resolve, reject)),
    );
    await new Promise((r) => setTimeout(r, 100)); // time for a failed ready check (the old bug) to reconnect
    expect(await pub.publish(channel, message('u1', i))).toBe(1);
    expect(relay.live()).toBe(true);
    await relay.stop();
    expect(relay.live()).toBe(false);
    sub.disconnect();
  }
});

test('delivers every message to the named users and keeps its subscription across a reconnect', async () => {
  const channel = `relay-test-${randomBytes(4).toString('hex')}`;
  const pub = open('relay-test-pub2');
  const subName = `relay-test-sub-${randomBytes(4).toString('hex')}`;
  const sub = open(subName);
  const delivered: { users: string[]; eventId: string }[] = [];
  const relay = await startRelay(sub, channel, logger, (users, e) => delivered.push({ users, eventId: e.eventId }));
  expect(relay.live()).toBe(true);
  // PUBLISH answers how many subscribers received it: the relay must be one of them every time.
  for (let n = 0; n < 3; n++) expect(await pub.publish(channel, message('alice', n))).toBe(1);
  await new Promise((r) => setTimeout(r, 50));
  expect(delivered.map((d) => d.users)).toEqual([['alice'], ['alice'], ['alice']]);

  // Drop the subscriber's connection from the server side; it reconnects and subscribes again.
  const closed = new Promise((r) => sub.once('close', r));
  const ready = new Promise((r) => sub.once('ready', r));
  const list = String(await pub.client('LIST'));
  const id = list.split('\n').find((l) => l.includes(`name=${subName}`))?.match(/^id=(\d+)/)?.[1];
  expect(id).toBeDefined();
  await pub.client('KILL', 'ID', id!);
  await closed;
  expect(relay.live()).toBe(false); // /health says 503 until the relay hears events again
  await ready;
  let receivers = 0;
  for (let tries = 0; tries < 100 && receivers === 0; tries++) {
    receivers = await pub.publish(channel, message('alice', 99));
    if (!receivers) await new Promise((r) => setTimeout(r, 20));
  }
  expect(receivers).toBe(1);
  // live() turns true when the relay's own SUBSCRIBE is answered (maybe just after ioredis's own).
  for (let tries = 0; tries < 100 && !relay.live(); tries++) await new Promise((r) => setTimeout(r, 10));
  expect(relay.live()).toBe(true);

  // Malformed messages are dropped, and the relay keeps going.
  await pub.publish(channel, 'not json');
  await pub.publish(channel, JSON.stringify({ v: 1, userId: 'alice' }));
  await pub.publish(channel, message('bob', 7));
  await new Promise((r) => setTimeout(r, 100));
  expect(delivered.at(-1)).toEqual({ users: ['bob'], eventId: '1007-0' });
  await relay.stop();
  expect(await pub.publish(channel, message('bob', 8))).toBe(0);
});

test('after a lost subscription it catches up from shortly before the last event heard; it subscribes only once it can', async () => {
  const channel = `relay-test-${randomBytes(4).toString('hex')}`;
  const pub = open('relay-test-pub3');
  const subName = `relay-test-sub-${randomBytes(4).toString('hex')}`;
  const sub = open(subName, false); // as the gateway makes it: the relay subscribes itself
  const calls: number[] = [];
  let failFirst = true;
  const order: string[] = [];
  const relay = await startRelay(sub, channel, logger, (_u, e) => order.push(`live ${e.eventId}`), async (since) => {
    calls.push(since);
    if (failFirst) {
      failFirst = false;
      order.push('cannot start');
      throw new Error('the command connection is not back yet');
    }
    order.push('hold');
    return { run: async () => void order.push('read'), cancel: () => void order.push('cancel') };
  });
  expect(calls).toEqual([]); // the first subscription has nothing to catch up on
  await pub.publish(channel, JSON.stringify({ v: 1, userId: 'u', envelope: { type: 'WORKFLOW_STATUS', sessionId: 'wf_x', eventId: '1800000005000-0', payload: { planState: 'running', steps: [] }, timestamp: 1 } }));
  for (let i = 0; i < 100 && order.length === 0; i++) await new Promise((r) => setTimeout(r, 10));

  const list = String(await pub.client('LIST'));
  const id = list.split('\n').find((l) => l.includes(`name=${subName}`))?.match(/^id=(\d+)/)?.[1];
  await pub.client('KILL', 'ID', id!);
  await new Promise((r) => setTimeout(r, 300));
  // Reconnected, but the catch-up could not start: not subscribed, so nothing can overtake it.
  expect(order).toEqual(['live 1800000005000-0', 'cannot start']);
  expect(relay.live()).toBe(false);
  expect(await pub.publish(channel, 'not heard')).toBe(0);
  for (let i = 0; i < 300 && calls.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 100 && !relay.live(); i++) await new Promise((r) => setTimeout(r, 10));
  // Tried again from the same point, 2 s before the last event heard: held, subscribed, read.
  expect(calls).toEqual([1800000003000, 1800000003000]);
  expect(order).toEqual(['live 1800000005000-0', 'cannot start', 'hold', 'read']);
  expect(relay.live()).toBe(true);
  await relay.stop();
});
