import { mailFolder } from '@wfa/protocol';
import { planError } from '../errors';
import { collapse, quotedIn, restoreQuotes } from '../text';
import { COMMON_WORDS, strayWords, vocabulary, type Family } from './family';

const MAIL = String.raw`(?:e-?mails?|inbox|mail(?:box)?|messages)`;
const FETCH = [
  new RegExp(String.raw`^(?:check|read|show|list|get|fetch|open|see|view|display|any|do\s+i\s+have|have\s+i\s+got|did\s+i\s+get|what(?:'s|s|\s+is|\s+are)?|give\s+me|pull\s+up)\b.*\b${MAIL}\b`, 'i'),
  /^(?:my\s+|new\s+|unread\s+|latest\s+|recent\s+)+(?:e-?mails?|inbox|mail)$|^(?:e-?mails|inbox)$/i,
];
const FOLDERS = /\b(?:in|from)\s+(?:my\s+|the\s+)?(sent|drafts|spam|junk|archive|trash|outbox)\b|\b(sent|drafted|archived|spam|junk)\s+(?:e-?mails?|mail|messages)\b/i;
const MAX_LIMIT = 100;
const INBOX_WORDS = vocabulary(
  COMMON_WORDS,
  'email emails e-mail e-mails mail mails inbox mailbox message messages new unread latest recent last first top got fetch pull ' +
    'folder sent drafts drafted spam junk archive archived trash outbox',
);

/**
 * "check my inbox", "show my last 5 emails", "any emails in spam?" → fetch_emails.
 * The inbox is the handler's default folder, so `folder` is only set for another named folder;
 * one the workspace does not have (spam, trash...) is refused. A count above the catalog's 100,
 * however many digits, is capped at 100 (the description says so).
 */
export const inboxFamily: Family = {
  name: 'inbox',
  example: 'Check my inbox',
  starts: (c) => FETCH.some((re) => re.test(c)),
  plan(clause, ctx) {
    const stray = strayWords(clause, INBOX_WORDS);
    if (stray.length > 0) throw planError(`I did not understand "${stray.join(' ')}" in that request`, 'Check my inbox');
    const params: Record<string, unknown> = {};
    const f = FOLDERS.exec(clause);
    const folder = (f?.[1] ?? f?.[2])?.toLowerCase().replace(/^drafted$/, 'drafts').replace(/^archived$/, 'archive');
    // Named, but not a folder the workspace has: refused now rather than failed when it runs.
    if (folder && !mailFolder(folder)) throw planError(`there is no ${folder} folder; I can read your inbox, sent mail or drafts`, 'Show my sent emails');
    if (folder) params.folder = folder;
    const n = /\b(\d+)\s+(?:\w+\s+)?(?:e-?mails?|messages|mails)\b/i.exec(clause);
    let note = '';
    if (n) {
      const asked = Number(n[1]);
      if (asked < 1) throw planError('the number of emails must be at least 1', 'Show my last 5 emails');
      params.limit = Math.min(asked, MAX_LIMIT);
      note = asked > MAX_LIMIT ? ` (capped at ${MAX_LIMIT})` : '';
    }
    const what = params.limit !== undefined ? `the latest ${String(params.limit)} emails` : 'your latest emails';
    ctx.builder.add('email_fetch', params, `Fetch ${what}${folder ? ` from ${folder}` : ''}${note}`);
  },
};

const SUMMARIZE = /^(?:summari[sz]e|sum\s+up|give\s+me\s+(?:a\s+)?(?:summary|tl;?dr)\s+of|make\s+(?:a\s+)?summary\s+of|tl;?dr)\b\s*(?:(?:this|the\s+following|the\s+text|text|it|for\s+me)\b)?\s*:?\s*/i;

/**
 * `summarize "<text>"` or `summarize: <text>` → summarize. The text must be given: "summarize my
 * emails" would need the inbox's contents as text, which the catalog's summarize does not take.
 */
export const summarizeFamily: Family = {
  name: 'summarize',
  example: 'Summarize "paste the text here"',
  starts: (c) => SUMMARIZE.test(c),
  plan(clause, ctx) {
    const after = clause.replace(SUMMARIZE, '');
    const hadColon = /:\s*/.test(clause.slice(0, clause.length - after.length));
    const quoted = quotedIn(after, ctx.quotes);
    const text = quoted !== undefined ? quoted.trim() : hadColon || after.split(/\s+/).length > 8 ? collapse(restoreQuotes(after, ctx.quotes)) : '';
    if (!text) throw planError('put the text to summarize in quotes', 'Summarize "paste the text here"');
    const preview = text.length > 40 ? `${text.slice(0, 40).trimEnd()}…` : text;
    ctx.builder.add('text_summary', { text }, `Summarize "${preview}"`);
  },
};
