/**
 * Every Redis key the service owns, in one place.
 *
 * The seed's keys are kept literally, braces included: `workflow:draft:{sessionId}` is read as a
 * Redis Cluster hash tag, so every key of one workflow hashes to the slot of `{<sessionId>}` and
 * the commit script (which touches the draft, its step status keys and its event stream) is legal
 * on a cluster. Per-user keys share the `{<userId>}` tag. `prefix` isolates tenants and test runs.
 */
export interface Keys {
  prefix: string;
  draft(sessionId: string): string;
  stepStatus(sessionId: string, stepId: string): string;
  events(sessionId: string): string;
  intervention(sessionId: string, stepId: string): string;
  audit(sessionId: string): string;
  userActive(userId: string): string;
  /** The owner's recently finished workflows (score: when), for a gateway catching up. */
  userFinished(userId: string): string;
  preferences(userId: string): string;
  /** The user's ApprovalPermissions (SPEC §6.10), set by an operator; absent: the defaults. */
  permissions(userId: string): string;
  /** Workflows with a step waiting for a second approval by holders of `role` (score: since when). */
  roleAwaiting(role: string): string;
  /** Beside `roleAwaiting`: the version each of its entries was written at (sync-role-index.lua). */
  roleAwaitingVersions(role: string): string;
  reply(userId: string, type: string, messageId: string): string;
  /** One collection (contacts, events, tasks, drafts, outbox, inbox) of a user's built-in workspace. */
  workspace(userId: string, collection: string): string;
  /** Workflows that may have steps to enqueue; the worker's sweep reconciles them. */
  activeWorkflows: string;
  /** The deployment's AUDIT_KEY fingerprint (every process must seal audit logs alike). */
  auditKeyMarker: string;
  /** Pub/sub channel every gateway listens on. */
  channel: string;
  /** BullMQ prefix: one hash tag, so a queue's keys live in one cluster slot. */
  queuePrefix: string;
}

export function createKeys(prefix = ''): Keys {
  if (/[{}]/.test(prefix)) throw new Error('KEY_PREFIX must not contain braces (they are hash tags)');
  return {
    prefix,
    draft: (sid) => `${prefix}workflow:draft:{${sid}}`,
    stepStatus: (sid, stepId) => `${prefix}workflow:{${sid}}:step:{${stepId}}:status`,
    events: (sid) => `${prefix}workflow:{${sid}}:events`,
    intervention: (sid, stepId) => `${prefix}intervention:{${sid}}:step:{${stepId}}`,
    audit: (sid) => `${prefix}workflow:{${sid}}:audit`,
    userActive: (uid) => `${prefix}approvals:{${uid}}:active`,
    userFinished: (uid) => `${prefix}approvals:{${uid}}:finished`,
    preferences: (uid) => `${prefix}user:{${uid}}:approval_preferences`,
    permissions: (uid) => `${prefix}user:{${uid}}:approval_permissions`,
    roleAwaiting: (role) => `${prefix}approvals:{role:${role}}:awaiting`,
    roleAwaitingVersions: (role) => `${prefix}approvals:{role:${role}}:awaiting:versions`,
    reply: (uid, type, messageId) => `${prefix}user:{${uid}}:reply:${type}:${messageId}`,
    workspace: (uid, collection) => `${prefix}ws:{${uid}}:${collection}`,
    activeWorkflows: `${prefix}wfa:{active}:workflows`,
    auditKeyMarker: `${prefix}wfa:{active}:audit-key`,
    channel: `${prefix}wfa:events`,
    queuePrefix: `${prefix}{wfa}`,
  };
}
