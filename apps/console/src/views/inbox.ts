import { h, relativeTime } from '../dom';
import { PLAN_STATE_LABEL, expirySentence } from '../labels';
import type { WorkflowSummary } from '../types';

function waitsOn(w: WorkflowSummary, viewer: string | undefined): string[] {
  const out: string[] = [];
  const second = w.awaitingSecondApproval ?? [];
  const n = `${second.length} step${second.length === 1 ? '' : 's'}`;
  // Someone else's plan, listed because steps wait for this viewer's second approval: only that
  // is theirs (what else waits there, waits on its owner).
  if (viewer !== undefined && w.userId !== undefined && w.userId !== viewer) return [`${n} of ${w.userId}'s plan await${second.length === 1 ? 's' : ''} your approval`];
  if (second.length) out.push(`${n} wait${second.length === 1 ? 's' : ''} for a second approval`);
  if (w.pendingStepIds.length) out.push(`${w.pendingStepIds.length} step${w.pendingStepIds.length === 1 ? ' awaits' : 's await'} your approval`);
  if (w.conflicts.length) out.push(`${w.conflicts.length} dependency conflict${w.conflicts.length === 1 ? '' : 's'}`);
  if (w.interventions.length) out.push(`input needed on ${w.interventions.length} step${w.interventions.length === 1 ? '' : 's'}`);
  if (w.failedStepIds.length) out.push(`${w.failedStepIds.length} failed step${w.failedStepIds.length === 1 ? '' : 's'}`);
  return out;
}

const started = (w: WorkflowSummary, now = Date.now()): string => (now - w.createdAt < 10_000 ? 'Started just now' : `Started ${relativeTime(w.createdAt, now)}`);

/** Numbers given so far, kept while the page lives: a number, once shown, names that workflow. */
const given = new Map<string, number>();
const highest = new Map<string, number>();

/**
 * Workflows that would read the same (same summary and request, e.g. the seed's request asked
 * twice) get a number in order of creation: "#1" is the oldest. A number never moves to another
 * workflow: when #1 finishes and leaves the list, its twin stays "#2" (renumbering it "#1" would
 * make the user's "#1" name a different workflow than a moment ago), and a newer twin gets "#3".
 * Once no numbered twin is listed, the next pair starts again from #1.
 */
function numbering(list: WorkflowSummary[]): Map<string, string> {
  const groups = new Map<string, WorkflowSummary[]>();
  for (const w of list) {
    const key = `${w.summary}\u0000${w.originalMessage}`;
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  const out = new Map<string, string>();
  for (const [key, g] of groups) {
    const anyNumbered = g.some((w) => given.has(w.sessionId));
    if (g.length < 2 && !anyNumbered) continue;
    // None of the numbered twins is listed any more: numbering starts again from #1.
    if (!anyNumbered) highest.delete(key);
    for (const w of [...g].sort((a, b) => a.createdAt - b.createdAt || a.sessionId.localeCompare(b.sessionId))) {
      if (!given.has(w.sessionId)) {
        const n = (highest.get(key) ?? 0) + 1;
        highest.set(key, n);
        given.set(w.sessionId, n);
      }
      out.set(w.sessionId, `#${given.get(w.sessionId)}`);
    }
  }
  // A workflow that left the list (it finished) never comes back to it.
  const listed = new Set(list.map((w) => w.sessionId));
  for (const id of given.keys()) if (!listed.has(id)) given.delete(id);
  return out;
}

/** The user's live workflows (WORKFLOW_LIST), with what waits on them and when they expire. */
export function renderInbox(list: WorkflowSummary[] | undefined, currentId: string | undefined, onOpen: (id: string) => void, onNew: () => void, viewer?: string): HTMLElement {
  const numbers = list ? numbering(list) : new Map<string, string>();
  const items =
    list === undefined
      ? h('p', { class: 'muted' }, 'Loading…')
      : list.length === 0
        ? h('p', { class: 'muted' }, 'No live workflows. Type a request to start one.')
        : h(
            'ul',
            { class: 'inbox-list' },
            list.map((w) => {
              const waits = waitsOn(w, viewer);
              const nth = numbers.get(w.sessionId);
              const current = w.sessionId === currentId;
              return h(
                'li',
                { class: `inbox-item${current ? ' current' : ''}`, 'data-session-id': w.sessionId },
                h(
                  'button',
                  { type: 'button', class: 'inbox-open', onclick: () => onOpen(w.sessionId), 'aria-current': current ? 'true' : null },
                  h('span', { class: 'inbox-summary' }, w.summary || w.originalMessage, nth ? h('span', { class: 'inbox-nth' }, ` ${nth}`) : null),
                  w.summary && w.originalMessage && w.originalMessage !== w.summary ? h('span', { class: 'inbox-request' }, `“${w.originalMessage}”`) : null,
                  h(
                    'span',
                    { class: 'inbox-meta' },
                    `${PLAN_STATE_LABEL[w.planState] ?? w.planState} · `,
                    h('time', { datetime: new Date(w.createdAt).toISOString(), title: new Date(w.createdAt).toLocaleString() }, started(w)),
                  ),
                  waits.length ? h('span', { class: 'inbox-waits' }, waits.join(' · ')) : h('span', { class: 'inbox-waits muted' }, 'Nothing waits on you'),
                  w.expiresAt ? h('span', { class: 'inbox-expiry' }, h('time', { datetime: new Date(w.expiresAt).toISOString() }, expirySentence(w.planState, relativeTime(w.expiresAt)))) : null,
                ),
              );
            }),
          );
  return h(
    'section',
    { class: 'inbox', 'aria-labelledby': 'inbox-title' },
    h('div', { class: 'inbox-head' }, h('h2', { id: 'inbox-title' }, 'Your workflows'), h('button', { type: 'button', class: 'btn small', onclick: onNew }, '+ New request')),
    items,
  );
}
