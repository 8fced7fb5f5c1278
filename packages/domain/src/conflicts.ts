/** DEPENDENCY_CONFLICT events, one per lost dependency, in the seed's "rejection chain" shape. */
import type { ConflictOption, OpenConflict, ServerPayload, WorkflowDraft, WorkflowEvent } from '@wfa/protocol';
import { canReapprove } from './dependencies';
import { quote, reapproveText, skipText } from './describe';
import { findStep } from './util';

export function conflictEvents(d: WorkflowDraft, raised: OpenConflict[]): WorkflowEvent[] {
  // Only conflicts still open at the end of the transition are announced.
  const open = raised.filter((r) => d.conflicts.some((c) => c.stepId === r.stepId && c.missingDependency === r.missingDependency));
  const causes = [...new Set(open.map((c) => c.missingDependency))];
  return causes.map((cause) => {
    const group = open.filter((c) => c.missingDependency === cause);
    const D = findStep(d, cause);
    const dependents = group.map((c) => findStep(d, c.stepId)).filter((s) => s !== undefined);
    // Each conflict words what its step needs; one wording when they all need the same.
    const asks = [...new Set(group.map((c) => c.options.find((o) => o.action === 'provide_value')?.description))];
    const options: ConflictOption[] = [
      {
        action: 'provide_value',
        description: asks.length === 1 && asks[0] !== undefined ? asks[0] : 'Provide the missing values manually',
        impact: group.length === 1 && dependents[0] ? `${quote(dependents[0])} will use the value you provide` : 'The affected steps will use the values you provide',
      },
      {
        action: 'skip_dependent',
        description: skipText(dependents),
        impact: group.length === 1 ? 'That step will not run' : 'Those steps will not run',
      },
    ];
    if (D && canReapprove(D)) {
      options.push({ action: 'reapprove_dependency', description: reapproveText(D), impact: `${quote(D)} will run and supply the value` });
    }
    if (group.some((c) => c.options.some((o) => o.action === 'use_fallback'))) {
      options.push({ action: 'use_fallback', description: 'Use the default values', impact: 'Steps that declare a default value run with it' });
    }
    const payload: ServerPayload<'DEPENDENCY_CONFLICT'> = {
      conflictType: 'missing_dependency',
      missingDependency: cause,
      affectedSteps: group.map((c) => ({ stepId: c.stepId, issue: c.issue, resolution: 'ask_user' as const })),
      options,
    };
    // The seed's rejection-chain name for the step that was taken away (rejected, skipped, failed,
    // timed out); a step that completed without the needed fields was not.
    if (D?.state !== 'completed') payload.rejectedStep = cause;
    if (group.length === 1 && group[0]) payload.blockedStep = group[0].stepId;
    return { type: 'DEPENDENCY_CONFLICT' as const, payload };
  });
}
