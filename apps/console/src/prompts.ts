import { isTerminalPlanState } from '@wfa/protocol';
import { announce } from './dom';
import { PLAN_STATE_LABEL } from './labels';
import type { WorkflowVM } from './types';
import type { Prompt } from './views/dialogs';
import type { ModalHandle } from './views/modal';

/** A finished workflow asks nothing more: no question of it opens or stays open. */
export function ended(wf: WorkflowVM): boolean {
  return isTerminalPlanState(wf.planState);
}

/** The question that should open its dialog by itself next, if any. */
export type NextPrompt = { kind: 'conflict'; stepId: string } | { kind: 'intervention'; stepId: string } | { kind: 'failure' };

/** Each question is asked once: a dismissed one is known by these keys (an intervention asked again is a new one). */
export const promptKey = {
  conflict: (wf: WorkflowVM, stepId: string) => `${wf.sessionId}:c:${stepId}`,
  intervention: (wf: WorkflowVM, stepId: string, askedAt: number | string) => `${wf.sessionId}:i:${stepId}:${askedAt}`,
  failure: (wf: WorkflowVM, failedStep: string) => `${wf.sessionId}:f:${failedStep}`,
};

/**
 * The lives of the console's dialogs around the open workflow: questions (conflicts,
 * interventions, failures) open by themselves once each and close when another device answered
 * them; reject, edit and cancel dialogs close when the workflow ends; a screen reader hears why.
 */
export class Prompts {
  private readonly dismissed = new Set<string>();
  /** The open question's dialog, and whether the question still stands (another device may answer it). */
  private prompt?: { dialog: Prompt; stands: (wf: WorkflowVM) => boolean; stale: boolean };
  /** Open reject, edit and cancel dialogs: they close when the workflow ends. */
  private readonly decisionDialogs = new Set<ModalHandle>();
  /** What a screen reader hears when the workflow ended under an open dialog. */
  private endNote = '';

  dismiss(key: string): void {
    this.dismissed.add(key);
  }

  /** A reject, edit or cancel dialog to close should the workflow end under it. */
  track(dialog: ModalHandle): void {
    this.decisionDialogs.add(dialog);
  }

  /** Follow an open question's dialog: `stands` says whether its question is still asked. */
  watch(dialog: Prompt | undefined, stands: (wf: WorkflowVM) => boolean): void {
    if (dialog) this.prompt = { dialog, stands, stale: false };
  }

  /** Forget a closed prompt; true if it closed because its question no longer stands. */
  end(dialog: Prompt | undefined): boolean {
    const p = this.prompt;
    if (!p || p.dialog !== dialog) return false;
    this.prompt = undefined;
    return p.stale;
  }

  /** The workflow changed: questions answered elsewhere, and every dialog of a finished workflow, go. */
  onChange(wf: WorkflowVM | undefined): void {
    this.closeStalePrompt(wf);
    this.closeDialogsOnEnd(wf);
  }

  /** What to announce when the workflow ended: the note about a closed dialog, else `fallback`. */
  takeEndNote(fallback: string): string {
    const note = this.endNote || fallback;
    this.endNote = '';
    return note;
  }

  /** Conflicts first, then interventions, then a failure: the first not dismissed yet. */
  next(wf: WorkflowVM): NextPrompt | undefined {
    if (ended(wf)) return undefined;
    const c = wf.conflicts.find((x) => !this.dismissed.has(promptKey.conflict(wf, x.stepId)));
    if (c) return { kind: 'conflict', stepId: c.stepId };
    const iv = wf.steps.find((s) => s.state === 'waiting_intervention' && s.intervention && !this.dismissed.has(promptKey.intervention(wf, s.id, s.intervention.params.timestamp)));
    if (iv) return { kind: 'intervention', stepId: iv.id };
    if (wf.partialFailure && !this.dismissed.has(promptKey.failure(wf, wf.partialFailure.failedStep))) return { kind: 'failure' };
    return undefined;
  }

  /** A question answered on another device, resolved or withdrawn by the server: its dialog goes. */
  private closeStalePrompt(wf: WorkflowVM | undefined): void {
    const p = this.prompt;
    if (!p || (wf && !ended(wf) && p.stands(wf))) return;
    p.stale = true;
    p.dialog.close();
    if (wf && ended(wf)) this.noteEnd(wf);
  }

  /** A finished workflow takes no more decisions: its dialogs close (one being sent closes by itself). */
  private closeDialogsOnEnd(wf: WorkflowVM | undefined): void {
    for (const d of [...this.decisionDialogs]) {
      if (!d.element.isConnected) this.decisionDialogs.delete(d);
      else if (wf && ended(wf) && !d.busy()) {
        this.decisionDialogs.delete(d);
        d.close();
        this.noteEnd(wf);
      }
    }
  }

  /** Say politely why the dialog went (with the end's own announcement when one follows), and keep focus on the workflow. */
  private noteEnd(wf: WorkflowVM): void {
    if (!this.endNote) {
      window.setTimeout(() => {
        if (this.endNote) announce(this.endNote);
        this.endNote = '';
      }, 0);
    }
    this.endNote = `Workflow ${PLAN_STATE_LABEL[wf.planState]?.toLowerCase() ?? wf.planState}. The open dialog was closed: there is nothing left to decide.`;
    document.getElementById('wf-title')?.focus();
  }
}
