/**
 * SPEC §5: INTERVENTION_RESPONSE answers with "one of the options an intervention offered". An
 * intervention offers free-text labels (the seed's "Enter email address", "Skip this step",
 * "Search with different name", or a user_intervention step's own choices); the server and the
 * console read a label as one of the three answers the domain knows, the same way.
 */
export const INTERVENTION_ANSWERS = ['provide_value', 'skip', 'retry'] as const;
export type InterventionAnswer = (typeof INTERVENTION_ANSWERS)[number];

export function isInterventionAnswer(option: string): option is InterventionAnswer {
  return (INTERVENTION_ANSWERS as readonly string[]).includes(option);
}

/**
 * What an offered label means: skip, retry with new input, provide a typed value, or (a label
 * that names none of these, e.g. a choice "blue") provide the label itself as the value. The
 * choices a `user_intervention` step offers are always answers in themselves ("Skip dessert" is a
 * choice there, not a skip); elsewhere the label's words say which answer it stands for.
 */
export function interventionAnswerOf(label: string, action?: string): { option: InterventionAnswer; needsInput: boolean } {
  const choice = { option: 'provide_value' as const, needsInput: false };
  if (action === 'user_intervention') return choice;
  if (/\bskip\b/i.test(label)) return { option: 'skip', needsInput: false };
  if (/\b(?:search|retry|again|different|try)\b/i.test(label)) return { option: 'retry', needsInput: true };
  if (/\b(?:enter|provide|type|give|specify)\b/i.test(label)) return { option: 'provide_value', needsInput: true };
  return choice;
}
