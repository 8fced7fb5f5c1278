import { h } from '../dom';
import type { StepVM } from '../types';

/** How many entries of a list a card shows before "and N more". */
const MAX_ITEMS = 8;
/** Fields that name an entry, most telling first; the rest of an entry's line is made of DETAIL_KEYS. */
const NAME_KEYS = ['title', 'name', 'subject', 'summary'];
const DETAIL_KEYS = ['email', 'phone', 'status', 'due', 'from', 'to', 'recipient', 'date', 'attendees'];
/** Details that speak for themselves without their name. */
const BARE_KEYS = new Set(['email', 'phone', 'recipient']);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Steps whose raw data the user unfolded: a re-render (every event) keeps it unfolded. */
const rawOpen = new Set<string>();

/** The raw JSON of each result once: the page re-renders on every event, and a result never changes in place (a new one is a new object). */
const rawText = new WeakMap<object, string>();
function pretty(data: unknown): string {
  if (typeof data !== 'object' || data === null) return JSON.stringify(data, null, 2);
  let text = rawText.get(data);
  if (text === undefined) rawText.set(data, (text = JSON.stringify(data, null, 2)));
  return text;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A scalar as a person reads it: times in the browser's locale, lists joined. */
function plain(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string' && ISO_TIME.test(v) && !Number.isNaN(Date.parse(v))) {
    return new Date(v).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  }
  if (typeof v === 'number' && v > 1e12 && v < 1e13) return new Date(v).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  if (Array.isArray(v)) return v.length ? v.map(plain).join(', ') : 'none';
  if (isRecord(v)) return line(v);
  return String(v);
}

/** One entry of a list on one line: its name, then a few telling details ("John Doe — john@x.com · +1…"). */
function line(o: Record<string, unknown>): string {
  const nameKey = NAME_KEYS.find((k) => typeof o[k] === 'string' && o[k] !== '');
  const parts: string[] = [];
  if (o['start'] !== undefined) parts.push(o['end'] !== undefined ? `${plain(o['start'])} – ${plain(o['end'])}` : plain(o['start']));
  for (const k of DETAIL_KEYS) {
    const v = o[k];
    if (parts.length >= 3) break;
    if (k === nameKey || v === undefined || v === '' || (Array.isArray(v) && !v.length)) continue;
    parts.push(BARE_KEYS.has(k) ? plain(v) : `${k}: ${plain(v)}`);
  }
  const name = nameKey ? String(o[nameKey]) : undefined;
  if (!name && !parts.length) return Object.entries(o).slice(0, 3).map(([k, v]) => `${k}: ${isRecord(v) || Array.isArray(v) ? '…' : plain(v)}`).join(' · ');
  return [name, parts.join(' · ')].filter(Boolean).join(' — ');
}

function valueOf(v: unknown): Node {
  if (Array.isArray(v) && v.some(isRecord)) {
    if (!v.length) return document.createTextNode('none');
    const shown = v.slice(0, MAX_ITEMS);
    return h(
      'ul',
      { class: 'result-list' },
      shown.map((x) => h('li', {}, isRecord(x) ? line(x) : plain(x))),
      v.length > shown.length ? h('li', { class: 'muted' }, `and ${v.length - shown.length} more`) : null,
    );
  }
  return document.createTextNode(plain(v));
}

/**
 * A step's result: its message, the data's fields in words (a list of contacts, events, tasks or
 * mails as one line per entry), and the raw JSON folded away for whoever needs it.
 */
export function renderResult(step: StepVM, key: string = step.id): HTMLElement | null {
  const r = step.result;
  if (!r) return null;
  const data = r.data;
  const rows = isRecord(data)
    ? Object.entries(data).slice(0, 12).map(([k, v]) => [h('dt', {}, k), h('dd', {}, valueOf(v))])
    : data !== undefined
      ? [h('dt', {}, 'data'), h('dd', {}, valueOf(data))]
      : [];
  return h(
    'div',
    { class: `result ${r.success ? 'ok' : 'bad'}`, role: 'group', 'aria-label': 'Result' },
    h('p', { class: 'result-head' }, r.success ? '✓ Result: ' : '✕ Error: ', r.success ? (r.message ?? 'done') : (r.error ?? r.message ?? 'failed')),
    rows.length ? h('dl', { class: 'params' }, rows) : null,
    data !== undefined ? h(
          'details',
          { class: 'raw-result', open: rawOpen.has(key), ontoggle: (ev: Event) => ((ev.currentTarget as HTMLDetailsElement).open ? rawOpen.add(key) : rawOpen.delete(key)) },
          h('summary', {}, 'Raw data'),
          h('pre', {}, pretty(data)),
        ) : null,
  );
}
