import { h } from '../dom';

const EXAMPLE = 'Send email to John about the meeting and create a calendar event';

/** The box where the user types a request; the built-in planner turns it into a draft. */
export function renderRequestBox(onSubmit: (text: string, mode: 'review_all' | 'step_by_step') => Promise<string | undefined>): HTMLElement {
  const input = h('textarea', { id: 'request-input', name: 'message', rows: 2, maxlength: 4000, placeholder: EXAMPLE, required: true, 'aria-describedby': 'request-help request-error' });
  const stepByStep = h('input', { type: 'checkbox', id: 'request-step-by-step', name: 'mode' });
  const error = h('p', { class: 'field-error', id: 'request-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Plan it');
  const form = h(
    'form',
    { class: 'request', 'aria-label': 'New request' },
    h('label', { id: 'request-label', for: 'request-input' }, 'What should be done?'),
    h('div', { class: 'request-row' }, input, submit),
    h(
      'p',
      { class: 'hint', id: 'request-help' },
      'You get a draft to review first: nothing runs until you approve. Enter sends it; Shift+Enter starts a new line. Try: ',
      h('button', { type: 'button', class: 'linkish', onclick: () => ((input.value = EXAMPLE), input.focus()) }, `“${EXAMPLE}”`),
    ),
    h('div', { class: 'check' }, stepByStep, h('label', { for: 'request-step-by-step' }, 'Step by step: run each step as soon as it is approved (otherwise nothing runs until every step has a decision)')),
    error,
  );
  // Enter sends, as in a chat; Shift+Enter starts a new line (the hint says so).
  input.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.shiftKey || ev.isComposing) return;
    ev.preventDefault();
    form.requestSubmit();
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) {
      error.textContent = 'Type a request first.';
      input.focus();
      return;
    }
    error.textContent = '';
    submit.disabled = true;
    submit.textContent = 'Planning…';
    const err = await onSubmit(text, stepByStep.checked ? 'step_by_step' : 'review_all').finally(() => {
      submit.disabled = false;
      submit.textContent = 'Plan it';
    });
    if (err) error.textContent = err;
    else input.value = '';
  });
  return form;
}
