/**
 * Gateway composition root: config → Redis → stores → queues → HTTP + socket.io → relay → signals.
 * The only listen() of the gateway lives here.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '@wfa/protocol';
import { createDefaultPlanner } from '@wfa/planner';
import { StepQueue, TimerQueue } from '@wfa/queue';
import { auditKeyWarning, coalesceWrites, configOrExit, createLogger, onShutdown } from '@wfa/runtime';
import {
  PermissionsStore,
  PreferencesStore,
  ReplyCache,
  WorkflowStore,
  createBlockingConnection,
  createCommandConnection,
  createKeys,
  waitForReady,
  auditKeyMismatch,
} from '@wfa/store';
import { signToken } from './auth';
import { DEV_USER_ID, isPublicHost, loadConfig, type GatewayConfig } from './config';
import { createHttpApp } from './http/app';
import { GatewayMetrics } from './http/metrics';
import { startRelay, type Relay } from './relay';
import { socketCatchUp } from './socket/catch-up';
import { createSocketServer, deliverToUsers, drainMessages, isClosing, type AppServer } from './socket/server';

async function main(): Promise<void> {
  const config: GatewayConfig = configOrExit(() => loadConfig(process.env));
  const logger = createLogger('gateway', { level: config.LOG_LEVEL, json: config.NODE_ENV === 'production' });
  const keys = createKeys(config.KEY_PREFIX);
  // Named with the pid, so an operator (or a fault test) can tell this gateway's connections apart.
  const redis = createCommandConnection(config.REDIS_URL, `wfa-gateway-${process.pid}`);
  const subscriber = createBlockingConnection(config.REDIS_URL, `wfa-gateway-relay-${process.pid}`, { autoResubscribe: false });
  // BullMQ gets a connection of its own: its job scripts do not queue behind the workflow commits.
  const queueConnection = createCommandConnection(config.REDIS_URL, `wfa-gateway-queue-${process.pid}`);
  for (const c of [redis, subscriber, queueConnection]) c.on('error', () => undefined); // reconnects by itself; /health reports it
  await waitForReady(redis, 15_000).catch((err: Error) => {
    logger.error(`cannot reach Redis at ${config.REDIS_URL}: ${err.message}`);
    process.exit(3);
  });

  // A user's decisions usually reach the gateway that created the draft (sticky sessions), so each
  // starts from the version this process last wrote; compare-and-set catches a stale one.
  const store = new WorkflowStore(redis, keys, Date.now, { cacheDrafts: true, auditKey: config.AUDIT_KEY });
  // Before taking any work: this process must seal audit logs as the rest of the deployment does.
  const keyMismatch = await auditKeyMismatch(redis, keys.auditKeyMarker, config.AUDIT_KEY);
  if (keyMismatch) {
    logger.error(`refusing to start: ${keyMismatch}`);
    process.exit(2);
  }
  const steps = new StepQueue({
    connection: queueConnection,
    prefix: keys.queuePrefix,
    attempts: config.STEP_ATTEMPTS,
    backoffMs: config.STEP_BACKOFF_MS,
  });
  const timers = new TimerQueue(queueConnection, keys.queuePrefix);
  // An EventEmitter 'error' without a listener would end the process; log and let BullMQ reconnect.
  for (const q of [steps.queue, timers.queue]) q.on('error', (err) => logger.warn('queue error', { error: err.message }));
  const devToken = config.devMode ? signToken(config.JWT_SECRET, { sub: DEV_USER_ID, roles: ['user', 'approver', config.ADMIN_ROLE] }) : undefined;
  let relay: Relay | undefined;
  const metrics = new GatewayMetrics();
  // Set once the socket server exists (it needs the HTTP server, which needs this app).
  let sockets: AppServer | undefined;
  const permissions = new PermissionsStore(redis, keys);
  const app = createHttpApp({
    permissions,
    redis,
    metrics,
    sockets: () => sockets?.engine.clientsCount ?? 0,
    activeWorkflowsKey: keys.activeWorkflows,
    // While shutting down the gateway reports itself unavailable, so a load balancer moves on.
    relayLive: () => (relay?.live() ?? false) && sockets !== undefined && !isClosing(sockets),
    queues: [steps.queue, timers.queue],
    jwtSecret: config.JWT_SECRET,
    adminRole: config.ADMIN_ROLE,
    consoleDir: config.CONSOLE_DIR ?? join(__dirname, '..', '..', 'console', 'dist'),
    publicConfig: () => (devToken ? { devMode: true, token: devToken } : { devMode: false }),
  });
  const http = createServer(app);
  // A client's frames of one turn (a commit's several events) leave in two syscalls at most.
  http.on('connection', coalesceWrites);
  const io = createSocketServer(http, {
    jwtSecret: config.JWT_SECRET,
    store,
    preferences: new PreferencesStore(redis, keys),
    permissions,
    replies: new ReplyCache(redis, keys),
    steps,
    timers,
    planner: createDefaultPlanner(),
    logger,
    limits: {
      ...DEFAULT_LIMITS,
      maxStepsPerWorkflow: config.MAX_STEPS_PER_WORKFLOW,
      maxConcurrentWorkflowsPerUser: config.MAX_WORKFLOWS_PER_USER,
      maxDependencyDepth: config.MAX_DEPENDENCY_DEPTH,
      messagePayloadSizeLimit: config.MAX_MESSAGE_BYTES,
    },
    rate: { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
    redisReady: () => redis.status === 'ready',
    now: Date.now,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    metrics,
  });
  sockets = io;
  relay = await startRelay(subscriber, keys.channel, logger, (users, envelope, roles) => deliverToUsers(io, users, envelope, roles), socketCatchUp(io, store, logger, Date.now));

  await new Promise<void>((resolve) => http.listen(config.PORT, config.HOST, resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const unkeyed = auditKeyWarning(config);
  if (unkeyed) logger.warn(unkeyed);
  logger.info('gateway listening', { port, redis: redactUrl(config.REDIS_URL) });
  // Machine-readable line for scripts and tests that start the gateway on port 0.
  process.stdout.write(`WFA_GATEWAY_READY port=${port}\n`);
  if (devToken) {
    // The address to type: the bound one, or localhost when bound to every interface.
    const any = config.HOST === '0.0.0.0' || config.HOST === '::';
    const shown = any ? 'localhost' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
    if (isPublicHost(config.HOST)) {
      logger.warn('dev mode on a public address: anyone who reaches it can sign in as the demo user, and forge any token (the dev secret is well known); set JWT_SECRET', { host: config.HOST });
    }
    process.stdout.write(
      [
        '',
        '  Dev mode (no JWT_SECRET): a token for the demo user, valid 30 days:',
        `  ${devToken}`,
        `  Approval console: http://${shown}:${port}/`,
        `  Bull Board:       http://${shown}:${port}/admin/queues?token=${devToken}`,
        '',
      ].join('\n') + '\n',
    );
  }

  onShutdown(logger, async () => {
    // Messages being handled finish and are acknowledged (and their events relayed) first.
    await drainMessages(io, 5_000);
    await relay.stop();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await Promise.all([steps.close(), timers.close()].map((p) => p.catch(() => undefined)));
    await Promise.all([redis.quit(), subscriber.quit(), queueConnection.quit()].map((p) => p.catch(() => undefined)));
  });
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

void main();
