import {
  ActionStepInputSchema,
  DRAFT_PARAM_SCHEMAS,
  type ActionName,
  type ActionStepInput,
  type ActionType,
} from '@wfa/protocol';
import { planError } from './errors';
import type { Person } from './text';
import { truncate } from './text';
import type { TimeContext } from './time';

/**
 * The kinds of step the planner emits. The kind fixes the step id prefix (the seed's
 * `contact_lookup_1`, `email_draft_1`, `calendar_event_1`), the catalog action and the
 * phrase used in the plan summary ("Contact lookup → Email composition → ...").
 */
export const STEP_KINDS = {
  contact_lookup: { type: 'contact', action: 'search_contacts', label: 'Contact lookup' },
  contact_create: { type: 'contact', action: 'create_contact', label: 'Contact creation' },
  contact_list: { type: 'contact', action: 'get_all_contacts', label: 'Contact listing' },
  email_draft: { type: 'email', action: 'create_draft', label: 'Email composition' },
  email_send: { type: 'email', action: 'send_email', label: 'Email sending' },
  email_fetch: { type: 'email', action: 'fetch_emails', label: 'Inbox check' },
  calendar_event: { type: 'calendar', action: 'create_event', label: 'Calendar event creation' },
  calendar_list: { type: 'calendar', action: 'list_events', label: 'Calendar review' },
  calendar_free: { type: 'calendar', action: 'find_free_time', label: 'Free time search' },
  task_create: { type: 'task', action: 'create_task', label: 'Task creation' },
  task_update: { type: 'task', action: 'update_task', label: 'Task update' },
  task_complete: { type: 'task', action: 'complete_task', label: 'Task completion' },
  task_list: { type: 'task', action: 'list_tasks', label: 'Task review' },
  text_summary: { type: 'analysis', action: 'summarize', label: 'Summarization' },
} as const satisfies Record<string, { type: ActionType; action: ActionName; label: string }>;

export type StepKind = keyof typeof STEP_KINDS;

interface Entry {
  kind: StepKind;
  step: ActionStepInput;
}

/** How a person ends up in a param: a literal address, or a template on their lookup step. */
export interface Recipient {
  value: string;
  dependsOn: string[];
}

/** What earlier clauses of the same message established, so "... and invite him" or "create a calendar event" can refer back. */
export interface Memory {
  people: Person[];
  topic?: string;
}

export interface PlanContext {
  builder: PlanBuilder;
  time: TimeContext;
  quotes: readonly string[];
  memory: Memory;
}

const MAX_STEPS = 30;

export class PlanBuilder {
  private readonly entries: Entry[] = [];
  private readonly counters = new Map<string, number>();
  /** Lower-cased name → id of its lookup step: two requests about John share one lookup. */
  private readonly lookups = new Map<string, string>();

  add(kind: StepKind, params: Record<string, unknown>, description: string, dependsOn: readonly string[] = []): string {
    if (this.entries.length >= MAX_STEPS) throw planError(`that is more than ${MAX_STEPS} steps; split the request into smaller ones`);
    const { type, action } = STEP_KINDS[kind];
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    const id = `${kind}_${n}`;
    const deps = [...new Set(dependsOn)];
    const step: ActionStepInput = { id, type, action, params, description: truncate(description, 500) };
    if (deps.length > 0) step.dependsOn = deps;
    this.entries.push({ kind, step });
    return id;
  }

  /** The id of the lookup step for `name`, adding it the first time the name is seen. */
  lookup(name: string): string {
    const key = name.toLowerCase();
    const existing = this.lookups.get(key);
    if (existing) return existing;
    const id = this.add('contact_lookup', { query: name }, `Look up ${name} in your contacts`);
    this.lookups.set(key, id);
    return id;
  }

  recipient(p: Person): Recipient {
    if (p.kind === 'email') return { value: p.email, dependsOn: [] };
    const id = this.lookup(p.name);
    return { value: `{{${id}.email}}`, dependsOn: [id] };
  }

  /** Steps of one kind emitted so far (used by "... and send it"). */
  ofKind(kind: StepKind): ActionStepInput[] {
    return this.entries.filter((e) => e.kind === kind).map((e) => e.step);
  }

  /** Turns an email draft into a send (same params, new id and action). */
  promoteDraftToSend(step: ActionStepInput): void {
    const entry = this.entries.find((e) => e.step === step);
    if (!entry) return;
    const n = (this.counters.get('email_send') ?? 0) + 1;
    this.counters.set('email_send', n);
    entry.kind = 'email_send';
    entry.step.id = `email_send_${n}`;
    entry.step.action = 'send_email';
    entry.step.description = entry.step.description.replace(/^Create email draft to/, 'Send email to');
  }

  get size(): number {
    return this.entries.length;
  }

  summary(): string {
    const labels = this.entries.map((e) => STEP_KINDS[e.kind].label);
    return `${labels.length}-step workflow: ${labels.join(' → ')}`;
  }

  /**
   * Every step is checked against the same schemas the gateway applies to client plans, so a
   * planner bug (or an over-long title) surfaces as a clear invalid_plan instead of a broken draft.
   */
  build(): ActionStepInput[] {
    return this.entries.map(({ step }) => {
      const shape = ActionStepInputSchema.safeParse(step);
      const params = DRAFT_PARAM_SCHEMAS[step.action as ActionName].safeParse(step.params);
      if (!shape.success || !params.success) {
        const issue = (!params.success ? params.error : shape.success ? undefined : shape.error)?.issues[0];
        const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')}: ${issue.message})` : '';
        throw planError(`the step "${step.description}" would not be valid${where}`);
      }
      return step;
    });
  }
}
