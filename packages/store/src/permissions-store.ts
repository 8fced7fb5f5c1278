import type Redis from 'ioredis';
import {
  ApprovalPermissionsSchema,
  DEFAULT_PERMISSIONS,
  ProtocolError,
  type ApprovalPermissions,
  type ApprovalPermissionsPatch,
} from '@wfa/protocol';
import type { Keys } from './keys';
import { defineScripts } from './scripts';

/**
 * Merge a validated partial permissions object into the current one, building fresh objects (the
 * patch was parsed by a strict zod schema, so it has only known keys; nothing is assigned through
 * a prototype).
 */
export function mergePermissions(current: ApprovalPermissions, patch: ApprovalPermissionsPatch): ApprovalPermissions {
  const second = patch.requiresSecondaryApproval ?? {};
  const merged = {
    canApproveSteps: patch.canApproveSteps ?? current.canApproveSteps,
    canModifyParams: patch.canModifyParams ?? current.canModifyParams,
    canSkipMandatorySteps: patch.canSkipMandatorySteps ?? current.canSkipMandatorySteps,
    requiresSecondaryApproval: {
      stepTypes: second.stepTypes ?? current.requiresSecondaryApproval.stepTypes,
      approverRole: second.approverRole ?? current.requiresSecondaryApproval.approverRole,
    },
  };
  const checked = ApprovalPermissionsSchema.safeParse(merged);
  if (!checked.success) throw new ProtocolError('invalid_message', 'permissions are invalid', checked.error.issues);
  return checked.data;
}

/** SPEC §6.10: each user's ApprovalPermissions, as an operator set them (the admin HTTP API). */
export class PermissionsStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    defineScripts(redis);
  }

  /** The user's permissions, and whether an operator configured them (else the defaults). */
  async read(userId: string): Promise<{ permissions: ApprovalPermissions; configured: boolean }> {
    return this.parse(await this.redis.get(this.keys.permissions(userId)));
  }

  private parse(raw: string | null): { permissions: ApprovalPermissions; configured: boolean } {
    if (raw === null) return { permissions: DEFAULT_PERMISSIONS, configured: false };
    let parsed;
    try {
      parsed = ApprovalPermissionsSchema.safeParse(JSON.parse(raw));
    } catch {
      parsed = undefined;
    }
    // Fail closed: a record that no longer reads as permissions grants nothing beyond rejecting.
    if (!parsed?.success) return { permissions: NOTHING_APPROVABLE, configured: true };
    return { permissions: parsed.data, configured: true };
  }

  async get(userId: string): Promise<ApprovalPermissions> {
    return (await this.read(userId)).permissions;
  }

  /**
   * Merge `patch` into the stored permissions. Two operators' updates at once both land: the write
   * is a compare-and-set on the text that was read, tried again on a fresh read if it changed.
   */
  async update(userId: string, patch: ApprovalPermissionsPatch): Promise<ApprovalPermissions> {
    const key = this.keys.permissions(userId);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const raw = await this.redis.get(key);
      const next = mergePermissions(this.parse(raw).permissions, patch);
      if (Number(await this.redis.replaceIfUnchanged(key, raw ?? '', JSON.stringify(next))) === 1) return next;
    }
    throw new ProtocolError('unavailable', 'the permissions kept changing while this update was merged; send it again');
  }

  /** Back to the defaults. */
  async reset(userId: string): Promise<void> {
    await this.redis.del(this.keys.permissions(userId));
  }
}

const UPDATE_ATTEMPTS = 20;

/** What an unreadable permissions record stands for: the user may reject and nothing more. */
const NOTHING_APPROVABLE: ApprovalPermissions = Object.freeze({
  canApproveSteps: [],
  canModifyParams: [],
  canSkipMandatorySteps: false,
  requiresSecondaryApproval: DEFAULT_PERMISSIONS.requiresSecondaryApproval,
}) as ApprovalPermissions;
