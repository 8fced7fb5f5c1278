import type { WorkflowDraft } from '@wfa/protocol';

/**
 * The last version of each workflow this process read or committed, least recently used first out.
 * Only a starting guess for a compare-and-set: a stale entry costs one failed commit and a fresh
 * read, never a wrong write. Entries are treated as immutable (the domain clones before changing).
 *
 * Bounded twice: by entries, and by the size of their JSON text (the caller passes it; the store
 * has just written or read that text), because one maximum-size workflow weighs as much as a
 * hundred seed workflows.
 */
export class DraftCache {
  private readonly entries = new Map<string, { draft: WorkflowDraft; bytes: number }>();
  private total = 0;

  constructor(
    private readonly max = 2000,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  get(sessionId: string): WorkflowDraft | undefined {
    const e = this.entries.get(sessionId);
    if (e) {
      this.entries.delete(sessionId);
      this.entries.set(sessionId, e);
    }
    return e?.draft;
  }

  /** `bytes`: the length of the draft's JSON text. One larger than the whole budget is not kept. */
  set(draft: WorkflowDraft, bytes: number): void {
    this.delete(draft.sessionId);
    if (bytes > this.maxBytes) return;
    this.entries.set(draft.sessionId, { draft, bytes });
    this.total += bytes;
    while (this.entries.size > this.max || this.total > this.maxBytes) {
      this.delete(this.entries.keys().next().value as string);
    }
  }

  delete(sessionId: string): void {
    const e = this.entries.get(sessionId);
    if (!e) return;
    this.entries.delete(sessionId);
    this.total -= e.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Sum of the remembered drafts' JSON lengths. */
  get bytes(): number {
    return this.total;
  }
}

/**
 * Runs async tasks one after another per key (and freely across keys). Two steps of one workflow
 * finishing in the same process then commit in turn instead of racing each other's
 * compare-and-set and redoing the work.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    // A tail never rejects (see below), so the task runs after the previous one whatever its outcome.
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  get pending(): number {
    return this.tails.size;
  }
}
