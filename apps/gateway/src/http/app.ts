import express, { type Express, type RequestHandler } from 'express';
import { existsSync } from 'node:fs';
import type Redis from 'ioredis';
import type { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { tokenFromHttp, verifyToken } from '../auth';
import { processGauges, type Gauge, type GatewayMetrics } from './metrics';
import { permissionsApi } from './permissions-api';
import type { PermissionsStore } from '@wfa/store';

export interface HttpDeps {
  redis: Redis;
  /** `/admin/permissions/:userId` (SPEC §6.10), behind the admin role. */
  permissions?: PermissionsStore;
  /** Whether the relay is subscribed (see relay.ts). */
  relayLive: () => boolean;
  queues: Queue[];
  jwtSecret: string;
  adminRole: string;
  /** Built approval console to serve at `/`, if present. */
  consoleDir?: string;
  /** Extra JSON for `/config.json` (the console reads its dev token there in dev mode). */
  publicConfig: () => Record<string, unknown>;
  /** `/metrics`: this gateway's counters, and how many sockets it holds. */
  metrics: GatewayMetrics;
  sockets: () => number;
  /** Redis key of the set of workflows with work in progress (the sweep's). */
  activeWorkflowsKey: string;
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

  // For a scraper (Bearer token with the admin role, like Bull Board; no ?token= here).
  app.get('/metrics', requireAdmin(deps.jwtSecret, deps.adminRole, { queryToken: false }), async (_req, res) => {
    res.type('text/plain; version=0.0.4').send(deps.metrics.render([...(await scrapeGauges(deps)), ...processGauges()]));
  });

  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: deps.queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });
  app.use('/admin/queues', requireAdmin(deps.jwtSecret, deps.adminRole), board.getRouter());
  if (deps.permissions) app.use('/admin/permissions', permissionsApi(deps.permissions, requireAdmin(deps.jwtSecret, deps.adminRole, { queryToken: false, json: true })));

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
function requireAdmin(secret: string, adminRole: string, opts: { queryToken: boolean; json?: boolean } = { queryToken: true }): RequestHandler {
  return (req, res, next) => {
    const fromQuery = opts.queryToken && typeof req.query['token'] === 'string' ? req.query['token'] : undefined;
    const token = fromQuery ?? tokenFromHttp(req.headers);
    const user = verifyToken(token, secret);
    // An API answers in its own shape; a page (Bull Board) and a scraper read plain text.
    const refuse = (status: number, code: string, message: string) =>
      opts.json ? res.status(status).json({ error: { code, message } }) : res.status(status).type('text/plain').send(`${code}: ${message}\n`);
    if (!user) {
      const hint = opts.queryToken ? `, or open ${req.baseUrl || req.path}?token=<token>` : '';
      refuse(401, 'unauthorized', `send Authorization: Bearer <token>${hint}`);
      return;
    }
    if (!user.roles.includes(adminRole)) {
      refuse(403, 'forbidden', `the token needs the "${adminRole}" role`);
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

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/**
 * Read at scrape time: whether Redis and the relay are up, this gateway's sockets, and (when Redis
 * answers) every queue's jobs by state and the number of workflows with work in progress.
 */
async function scrapeGauges(deps: HttpDeps): Promise<Gauge[]> {
  const redisUp = await pingWithin(deps.redis, 1000);
  const gauges: Gauge[] = [
    { name: 'wfa_redis_up', help: 'Whether Redis answered a PING within 1 s (1) or not (0).', samples: [{ value: redisUp ? 1 : 0 }] },
    { name: 'wfa_gateway_relay_up', help: 'Whether this gateway is subscribed to workflow events (1) or not (0).', samples: [{ value: deps.relayLive() ? 1 : 0 }] },
    { name: 'wfa_gateway_sockets', help: 'Client sockets connected to this gateway.', samples: [{ value: deps.sockets() }] },
  ];
  if (!redisUp) return gauges;
  try {
    // A Redis that stops answering mid-scrape leaves these out after 2 s rather than hang the scrape.
    const [counts, active] = await within(Promise.all([Promise.all(deps.queues.map((q) => q.getJobCounts(...JOB_STATES))), deps.redis.scard(deps.activeWorkflowsKey)]), 2000);
    gauges.push({
      name: 'wfa_queue_jobs',
      help: 'Jobs in each BullMQ queue by state (all gateways and workers share these).',
      samples: deps.queues.flatMap((q, i) => JOB_STATES.map((state) => ({ labels: { queue: q.name, state }, value: counts[i]?.[state] ?? 0 }))),
    });
    gauges.push({
      name: 'wfa_workflows_active',
      help: 'Workflows with work in progress: approved steps queued or running, or a rollback to carry out.',
      samples: [{ value: active }],
    });
  } catch {
    // Redis went away between the PING and these reads: the figures are left out, not invented.
  }
  return gauges;
}

async function pingWithin(redis: Redis, ms: number): Promise<boolean> {
  return within(redis.ping(), ms).then(
    (reply) => reply === 'PONG',
    () => false,
  );
}

/** `work`'s outcome, or a rejection once `ms` have passed without one. */
async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
