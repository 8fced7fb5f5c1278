import type { MessageHandlers } from '../context';
import { onUserMessage, onWorkflowSubmit } from './create';
import { onConflictResolution, onFailureResolution, onInterventionResponse, onWorkflowApproval, onWorkflowEdit } from './decisions';
import { onWorkflowAudit } from './audit';
import { onPreferencesGet, onPreferencesSet } from './preferences';
import { onWorkflowList, onWorkflowSubscribe } from './subscribe';

export const HANDLERS: MessageHandlers = {
  USER_MESSAGE: onUserMessage,
  WORKFLOW_SUBMIT: onWorkflowSubmit,
  WORKFLOW_APPROVAL: onWorkflowApproval,
  WORKFLOW_EDIT: onWorkflowEdit,
  CONFLICT_RESOLUTION: onConflictResolution,
  INTERVENTION_RESPONSE: onInterventionResponse,
  FAILURE_RESOLUTION: onFailureResolution,
  WORKFLOW_SUBSCRIBE: onWorkflowSubscribe,
  WORKFLOW_LIST: onWorkflowList,
  PREFERENCES_GET: onPreferencesGet,
  PREFERENCES_SET: onPreferencesSet,
  WORKFLOW_AUDIT: onWorkflowAudit,
};
