import type { GatewayMetrics } from '../http/metrics';
import type { Socket } from 'socket.io';
import type { ClientEnvelope, ClientMessageType, ClientPayload, ScalabilityLimits, ClientToServerEvents, ServerToClientEvents } from '@wfa/protocol';
import type { Planner } from '@wfa/planner';
import type { PermissionsStore, PreferencesStore, ReplyCache, WorkflowStore } from '@wfa/store';
import type { StepQueue, TimerQueue } from '@wfa/queue';
import type { Logger } from '@wfa/runtime';
import type { AuthUser } from '../auth';
import type { SocketDelivery } from './delivery';
import type { TokenBucket } from './rate-limit';

/** Everything the socket layer needs, injected by main.ts (or a test). */
export interface SocketDeps {
  store: WorkflowStore;
  preferences: PreferencesStore;
  /** Each user's ApprovalPermissions (SPEC §6.10), taken by a plan when it is drafted. */
  permissions: PermissionsStore;
  replies: ReplyCache;
  steps: StepQueue;
  timers: TimerQueue;
  planner: Planner;
  logger: Logger;
  limits: ScalabilityLimits;
  rate: { perSecond: number; burst: number };
  redisReady: () => boolean;
  now: () => number;
  /** TRUST_PROXY_HOPS: how many proxies' X-Forwarded-For entries to trust for the client's address (0: none). */
  trustProxyHops?: number;
  /** Counts answered messages and delivered events for `/metrics` (absent in unit tests). */
  metrics?: GatewayMetrics;
}

export interface SocketData {
  user: AuthUser;
  delivery: SocketDelivery;
  bucket: TokenBucket;
}

export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** One client message being handled. */
export interface MessageContext {
  deps: SocketDeps;
  socket: AppSocket;
  user: AuthUser;
  envelope: ClientEnvelope;
  logger: Logger;
}

/** A handler returns the extra fields of its `{ ok: true, ... }` acknowledgement. */
export type MessageHandler<T extends ClientMessageType> = (
  ctx: MessageContext,
  payload: ClientPayload<T>,
) => Promise<Record<string, unknown>>;

/** Exhaustive: a client message type without a handler is a compile error. */
export type MessageHandlers = { [T in ClientMessageType]: MessageHandler<T> };

export function userRoom(userId: string): string {
  return `user:${userId}`;
}

/** The sockets of every user holding `role`: they see the workflows with steps that need their second approval. */
export function roleRoom(role: string): string {
  return `role:${role}`;
}
