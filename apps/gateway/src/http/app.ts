import express, { type Express, type RequestHandler } from 'express';
import { existsSync } from 'node:fs';
import type Redis from 'ioredis';
import type { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { tokenFromHttp, verifyToken } from '../auth';

export interface HttpDeps {
  redis: Redis;
  /** Whether the relay is subscribed (see relay.ts). */
  relayLive: () => boolean;
  queues: Queue[];
  jwtSecret: string;
  adminRole: string;
  /** Built approval console to serve at `/`, if present. */
  consoleDir?: string;
  /** Extra JSON for `/config.json` (the console reads its dev token there in dev mode). */
  publicConfig: () => Record<string, unknown>;
}

/** The HTTP side of the gateway; `main.ts` owns listen(). */
export function createHttpApp(deps: HttpDeps): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/health', async (_req, res) => {
    // Ready means both: Redis answers commands, and this gateway hears workflow events (a gateway
    // that cannot relay would accept decisions its clients never see the effects of).
    const redisUp = await pingWithin(deps.redis, 1000);
    const relayUp = deps.relayLive();
    const ok = redisUp && relayUp;
    res.status(ok ? 200 : 503).json(ok ? { status: 'ok' } : { status: 'unavailable', redis: redisUp ? 'up' : 'down', relay: relayUp ? 'up' : 'down' });
  });

  app.get('/config.json', (_req, res) => {
    res.json(deps.publicConfig());
  });

  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: deps.queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });
  app.use('/admin/queues', requireAdmin(deps.jwtSecret, deps.adminRole), board.getRouter());

  if (deps.consoleDir && existsSync(deps.consoleDir)) {
    app.use(express.static(deps.consoleDir, { index: 'index.html', maxAge: '1h' }));
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Workflow Approval Service gateway. Connect with socket.io; see the README.\n');
    });
  }
  return app;
}

/**
 * Bull Board is for operators: a valid token carrying the admin role, sent as a Bearer header or,
 * for a browser, once as `?token=` (which sets an HttpOnly cookie and redirects).
 */
function requireAdmin(secret: string, adminRole: string): RequestHandler {
  return (req, res, next) => {
    const fromQuery = typeof req.query['token'] === 'string' ? req.query['token'] : undefined;
    const token = fromQuery ?? tokenFromHttp(req.headers);
    const user = verifyToken(token, secret);
    if (!user) {
      res.status(401).type('text/plain').send('unauthorized: send Authorization: Bearer <token>, or open /admin/queues?token=<token>\n');
      return;
    }
    if (!user.roles.includes(adminRole)) {
      res.status(403).type('text/plain').send(`forbidden: the token needs the "${adminRole}" role\n`);
      return;
    }
    if (fromQuery) {
      res.cookie('wfa_token', fromQuery, { httpOnly: true, sameSite: 'strict', path: '/admin/queues' });
      res.redirect(req.baseUrl || '/admin/queues');
      return;
    }
    next();
  };
}

async function pingWithin(redis: Redis, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    });
    return (await Promise.race([redis.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
