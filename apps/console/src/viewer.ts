import type { StepVM, WorkflowVM } from './types';

/**
 * Who is signed in: the token's `sub`, read without checking the signature (the gateway checks
 * it; the console only uses it to tell the user's own plans from plans it approves for others).
 */
export function viewerOf(token: string): string | undefined {
  try {
    const part = token.split('.')[1] ?? '';
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='))) as { sub?: unknown };
    return typeof json.sub === 'string' ? json.sub : undefined;
  } catch {
    return undefined;
  }
}

/** The viewer sees someone else's plan: they are its second approver (SPEC §6.10). */
export function isApproverView(wf: Pick<WorkflowVM, 'ownerId'>, viewer: string | undefined): boolean {
  return viewer !== undefined && wf.ownerId !== undefined && wf.ownerId !== viewer;
}

/** A step the owner approved that waits for another user's approval. */
export function awaitsSecondApproval(step: StepVM): boolean {
  return step.state === 'pending' && step.approvalStatus === 'waiting_user_approval' && step.secondApproval !== undefined;
}
