/** One `reportProgress` call of a step handler. */
export interface ProgressReport {
  progress: number;
  message: string;
}

/**
 * A step's progress reports on their way to the log. A report waits up to `holdMs` before it is
 * written (with any others that arrive meanwhile, in one write). When the step's outcome is
 * committed first, the commit takes the waiting reports and logs them itself, in order before
 * the outcome, and they get no write of their own. The built-in handlers end a few milliseconds
 * after their midway report, so a step costs one commit instead of a commit plus a log append
 * plus a BullMQ progress update. A longer step's reports reach clients at most `holdMs` late.
 * `holdMs` 0 writes every report at once.
 */
export class ProgressReports {
  private pending: ProgressReport[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly writes: Promise<unknown>[] = [];

  /** `write` must not reject: a report that cannot be written is logged, never a step failure. */
  constructor(
    private readonly holdMs: number,
    private readonly write: (reports: ProgressReport[]) => Promise<unknown>,
  ) {}

  add(report: ProgressReport): void {
    this.pending.push(report);
    if (this.holdMs <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.holdMs);
  }

  /** The reports not written yet. From now on they are the caller's to log. */
  take(): ProgressReport[] {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  /** Write what is waiting now; resolves once every write of this step has been answered. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all(this.writes);
  }

  private flush(): void {
    const batch = this.take();
    if (batch.length > 0) this.writes.push(this.write(batch));
  }
}
