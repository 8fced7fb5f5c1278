import type { WorkflowDraft } from '@wfa/protocol';

/**
 * The last version of each workflow this process read or committed, least recently used first out.
 * Only a starting guess for a compare-and-set: a stale entry costs one failed commit and a fresh
 * read, never a wrong write. Entries are treated as immutable (the domain clones before changing).
 */
export class DraftCache {
  private readonly entries = new Map<string, WorkflowDraft>();

  constructor(private readonly max = 2000) {}

  get(sessionId: string): WorkflowDraft | undefined {
    const d = this.entries.get(sessionId);
    if (d) {
      this.entries.delete(sessionId);
      this.entries.set(sessionId, d);
    }
    return d;
  }

  set(draft: WorkflowDraft): void {
    this.entries.delete(draft.sessionId);
    this.entries.set(draft.sessionId, draft);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(sessionId: string): void {
    this.entries.delete(sessionId);
  }

  get size(): number {
    return this.entries.size;
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
