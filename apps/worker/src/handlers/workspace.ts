/**
 * The built-in per-user workspace of SPEC §7, kept in Redis so the product runs with nothing else
 * installed. One hash per collection (id -> JSON); every key of a user shares the hash tag {userId}
 * so a Redis Cluster keeps them on one slot. Creations are idempotent under the step's idempotency
 * key: the id is derived from it and written with HSETNX, so a redelivered job finds the object
 * it already created and returns it unchanged.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '@wfa/store';
import { PermanentStepError } from './types';

export const ContactSchema = z.object({
  contactId: z.string(),
  name: z.string(),
  email: z.string().optional(),
  phone: z.string().optional(),
  createdAt: z.string(),
});
export type Contact = z.infer<typeof ContactSchema>;

export const CalendarEventSchema = z.object({
  eventId: z.string(),
  title: z.string(),
  start: z.string(),
  end: z.string(),
  attendees: z.array(z.string()),
  description: z.string().optional(),
  createdAt: z.string(),
});
export type CalendarEvent = z.infer<typeof CalendarEventSchema>;

export const TaskSchema = z.object({
  taskId: z.string(),
  title: z.string(),
  status: z.enum(['open', 'completed']),
  due: z.string().optional(),
  notes: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().optional(),
});
export type Task = z.infer<typeof TaskSchema>;

export const DraftSchema = z.object({
  draftId: z.string(),
  recipient: z.string(),
  subject: z.string(),
  body: z.string(),
  createdAt: z.string(),
});
export type Draft = z.infer<typeof DraftSchema>;

/** Outbox and inbox share one shape so fetch_emails can list either folder. */
export const MailSchema = z.object({
  messageId: z.string(),
  from: z.string(),
  to: z.string(),
  subject: z.string(),
  body: z.string(),
  date: z.string(),
});
export type Mail = z.infer<typeof MailSchema>;

export type Collection = 'contacts' | 'events' | 'tasks' | 'drafts' | 'outbox' | 'inbox';

/** Address used as `from` of sent mail; the built-in workspace has no real mailbox identity. */
export const WORKSPACE_SENDER = 'me@workspace.local';

/** Compare-and-set of one hash field, so concurrent steps updating one task never lose a write. */
const CAS_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return -1 end
if cur ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

/** `prefix_` + 16 hex of sha1(kind:key): stable across redeliveries, distinct per step and kind. */
export function deriveId(prefix: string, idempotencyKey: string): string {
  return `${prefix}_${createHash('sha1').update(`${prefix}:${idempotencyKey}`).digest('hex').slice(0, 16)}`;
}

export class Workspace {
  /**
   * @param signal aborted once the step has run out of time (STEP_TIMEOUT_MS): from then on every
   * write is refused before it is sent, so a handler that overran cannot leave an effect behind a
   * step reported failed (and that rollback would then not know of).
   */
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    readonly userId: string,
    private readonly signal?: AbortSignal,
  ) {}

  key(collection: Collection): string {
    return this.keys.workspace(this.userId, collection);
  }

  // ---- generic hash-of-JSON helpers -------------------------------------------------------

  private decode<T>(collection: Collection, id: string, raw: string, schema: z.ZodType<T>): T {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    // A corrupt record will not heal by retrying: fail the step for good, naming the record.
    if (!parsed.success) throw new PermanentStepError(`Corrupt workspace record ${collection}/${id}`);
    return parsed.data;
  }

  private async list<T>(collection: Collection, schema: z.ZodType<T>): Promise<T[]> {
    const all = await this.redis.hgetall(this.key(collection));
    return Object.entries(all).map(([id, raw]) => this.decode(collection, id, raw, schema));
  }

  private async get<T>(collection: Collection, id: string, schema: z.ZodType<T>): Promise<T | null> {
    const raw = await this.redis.hget(this.key(collection), id);
    return raw === null ? null : this.decode(collection, id, raw, schema);
  }

  /** HSETNX, then read back: on a redelivery the first write wins and is what we return. */
  private async createOnce<T>(collection: Collection, id: string, record: T, schema: z.ZodType<T>): Promise<T> {
    this.signal?.throwIfAborted();
    const created = await this.redis.hsetnx(this.key(collection), id, JSON.stringify(record));
    if (created === 1) return record;
    const existing = await this.get(collection, id, schema);
    if (existing === null) throw new Error(`${collection}/${id} vanished while being created; retry`);
    return existing;
  }

  private async remove(collection: Collection, id: string): Promise<boolean> {
    this.signal?.throwIfAborted();
    return (await this.redis.hdel(this.key(collection), id)) === 1;
  }

  /** Optimistic read-modify-write; null when the record does not exist. */
  private async update<T>(collection: Collection, id: string, schema: z.ZodType<T>, change: (cur: T) => T): Promise<T | null> {
    const key = this.key(collection);
    for (let attempt = 0; attempt < 20; attempt++) {
      const raw = await this.redis.hget(key, id);
      if (raw === null) return null;
      const next = change(this.decode(collection, id, raw, schema));
      this.signal?.throwIfAborted();
      const res = await this.redis.eval(CAS_SCRIPT, 1, key, id, raw, JSON.stringify(next));
      if (res === 1) return next;
      if (res === -1) return null;
    }
    throw new Error(`Too much contention updating ${collection}/${id}; retry`);
  }

  // ---- contacts ---------------------------------------------------------------------------

  listContacts(): Promise<Contact[]> {
    return this.list('contacts', ContactSchema);
  }

  createContact(id: string, input: { name: string; email?: string; phone?: string }, now: number): Promise<Contact> {
    return this.createOnce('contacts', id, { contactId: id, ...input, createdAt: new Date(now).toISOString() }, ContactSchema);
  }

  deleteContact(id: string): Promise<boolean> {
    return this.remove('contacts', id);
  }

  // ---- events -----------------------------------------------------------------------------

  async listEvents(): Promise<CalendarEvent[]> {
    const events = await this.list('events', CalendarEventSchema);
    return events.sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.eventId.localeCompare(b.eventId));
  }

  createEvent(id: string, input: Omit<CalendarEvent, 'eventId' | 'createdAt'>, now: number): Promise<CalendarEvent> {
    return this.createOnce('events', id, { eventId: id, ...input, createdAt: new Date(now).toISOString() }, CalendarEventSchema);
  }

  deleteEvent(id: string): Promise<boolean> {
    return this.remove('events', id);
  }

  // ---- tasks ------------------------------------------------------------------------------

  listTasks(): Promise<Task[]> {
    return this.list('tasks', TaskSchema);
  }

  getTask(id: string): Promise<Task | null> {
    return this.get('tasks', id, TaskSchema);
  }

  createTask(id: string, input: { title: string; due?: string; notes?: string }, now: number): Promise<Task> {
    const at = new Date(now).toISOString();
    return this.createOnce('tasks', id, { taskId: id, ...input, status: 'open', createdAt: at, updatedAt: at }, TaskSchema);
  }

  updateTask(id: string, patch: { title?: string; due?: string; notes?: string }, now: number): Promise<Task | null> {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    return this.update('tasks', id, TaskSchema, (cur) => ({ ...cur, ...defined, updatedAt: new Date(now).toISOString() }));
  }

  /** Completing twice keeps the first completion time, so a redelivery returns the same task. */
  completeTask(id: string, now: number): Promise<Task | null> {
    return this.update('tasks', id, TaskSchema, (cur) => {
      if (cur.status === 'completed') return cur;
      const at = new Date(now).toISOString();
      return { ...cur, status: 'completed', completedAt: at, updatedAt: at };
    });
  }

  deleteTask(id: string): Promise<boolean> {
    return this.remove('tasks', id);
  }

  // ---- mail -------------------------------------------------------------------------------

  async listDrafts(): Promise<Draft[]> {
    const drafts = await this.list('drafts', DraftSchema);
    return drafts.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  createDraft(id: string, input: { recipient: string; subject: string; body: string }, now: number): Promise<Draft> {
    return this.createOnce('drafts', id, { draftId: id, ...input, createdAt: new Date(now).toISOString() }, DraftSchema);
  }

  deleteDraft(id: string): Promise<boolean> {
    return this.remove('drafts', id);
  }

  /** The built-in "send": append to the outbox exactly once per step (a real SMTP provider plugs in here). */
  sendMail(id: string, input: { to: string; subject: string; body: string }, now: number): Promise<Mail> {
    const mail: Mail = { messageId: id, from: WORKSPACE_SENDER, ...input, date: new Date(now).toISOString() };
    return this.createOnce('outbox', id, mail, MailSchema);
  }

  addInboxMail(mail: Mail): Promise<Mail> {
    return this.createOnce('inbox', mail.messageId, mail, MailSchema);
  }

  /** Newest first. */
  async listMail(folder: 'inbox' | 'outbox'): Promise<Mail[]> {
    const mails = await this.list(folder, MailSchema);
    return mails.sort((a, b) => b.date.localeCompare(a.date) || a.messageId.localeCompare(b.messageId));
  }
}
