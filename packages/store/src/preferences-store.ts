import type Redis from 'ioredis';
import {
  ApprovalPreferencesSchema,
  DEFAULT_PREFERENCES,
  ProtocolError,
  type ApprovalPreferences,
  type ApprovalPreferencesPatch,
} from '@wfa/protocol';
import type { Keys } from './keys';

/**
 * Merge a validated partial preferences object into the current one, one level deep, building
 * fresh objects (never assigning through a prototype: the patch was parsed by a strict zod schema,
 * so it has only known keys).
 */
export function mergePreferences(current: ApprovalPreferences, patch: ApprovalPreferencesPatch): ApprovalPreferences {
  const merged = {
    autoApprove: { ...current.autoApprove, ...definedOnly(patch.autoApprove) },
    alwaysConfirm: { ...current.alwaysConfirm, ...definedOnly(patch.alwaysConfirm) },
    notifications: { ...current.notifications, ...definedOnly(patch.notifications) },
    timeout: { ...current.timeout, ...definedOnly(patch.timeout) },
    approvalsEnabled: patch.approvalsEnabled ?? current.approvalsEnabled,
  };
  const checked = ApprovalPreferencesSchema.safeParse(merged);
  if (!checked.success) throw new ProtocolError('invalid_message', 'preferences are invalid', checked.error.issues);
  return checked.data;
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export class PreferencesStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async get(userId: string): Promise<ApprovalPreferences> {
    const raw = await this.redis.get(this.keys.preferences(userId));
    if (raw === null) return DEFAULT_PREFERENCES;
    const parsed = ApprovalPreferencesSchema.safeParse(JSON.parse(raw));
    // A record written by an older version that no longer validates falls back to defaults.
    return parsed.success ? parsed.data : DEFAULT_PREFERENCES;
  }

  async update(userId: string, patch: ApprovalPreferencesPatch): Promise<ApprovalPreferences> {
    const next = mergePreferences(await this.get(userId), patch);
    await this.redis.set(this.keys.preferences(userId), JSON.stringify(next));
    return next;
  }
}
