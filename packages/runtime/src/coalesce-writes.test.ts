import { createServer, connect, type Server, type Socket } from 'node:net';
import { coalesceWrites } from './coalesce-writes';

/** A real loopback TCP pair: the client socket we write to and everything the server received. */
async function pair(): Promise<{ client: Socket; received: () => string; close: () => Promise<void> }> {
  let data = '';
  const peers: Socket[] = [];
  const server: Server = createServer((s) => {
    peers.push(s);
    s.setEncoding('utf8');
    s.on('data', (d: string) => (data += d));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  return {
    client,
    received: () => data,
    close: async () => {
      client.destroy();
      for (const p of peers) p.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const until = async (check: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('coalesceWrites', () => {
  it('sends a turn’s first write at once and holds the rest until the turn’s microtasks have run', async () => {
    const p = await pair();
    try {
      coalesceWrites(p.client);
      p.client.write('a');
      // Handed to the kernel already: nothing waits in the stream's buffer.
      expect(p.client.writableLength).toBe(0);
      p.client.write('b');
      await Promise.resolve();
      p.client.write('c'); // a promise continuation of the same turn joins the batch
      expect(p.client.writableLength).toBe(2);
      await new Promise((r) => setImmediate(r));
      expect(p.client.writableLength).toBe(0);
      await until(() => p.received().length === 3);
      expect(p.received()).toBe('abc');
    } finally {
      await p.close();
    }
  });

  it('starts afresh every turn and keeps the order of everything written', async () => {
    const p = await pair();
    try {
      coalesceWrites(p.client);
      coalesceWrites(p.client); // idempotent: wrapping twice changes nothing
      let expected = '';
      for (let turn = 0; turn < 20; turn++) {
        for (let i = 0; i < 5; i++) {
          const chunk = `${turn}.${i};`;
          expected += chunk;
          p.client.write(chunk);
          if (i === 0) expect(p.client.writableLength).toBe(0);
        }
        await new Promise((r) => setImmediate(r));
      }
      await until(() => p.received().length === expected.length);
      expect(p.received()).toBe(expected);
    } finally {
      await p.close();
    }
  });

  it('lets a stream that ends mid-turn flush and close normally', async () => {
    const p = await pair();
    try {
      coalesceWrites(p.client);
      p.client.write('x');
      p.client.write('y');
      p.client.end('z');
      await until(() => p.received() === 'xyz');
    } finally {
      await p.close();
    }
  });
});
