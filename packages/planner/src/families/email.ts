import type { PlanContext } from '../builder';
import { planError } from '../errors';
import { capitalize, collapse, parsePeople, personLabel, restoreQuotes, type Person } from '../text';
import { without, type Family } from './family';

const EXAMPLE = 'Send email to John about the meeting';
const NOUN = String.raw`(?:e-?mail|mail|message|note)`;

/** "send/write/draft an email (to) ...", "email John ...", "send John an email ...". */
const LEAD_NOUN_FIRST = new RegExp(String.raw`^(?:send|write|draft|compose|shoot|drop|prepare)\s+(?:me\s+)?(?:an?\s+|the\s+)?(?:quick\s+|short\s+|new\s+|brief\s+)?${NOUN}\b\s*`, 'i');
const LEAD_VERB = /^(?:e-?mail|mail)\s+(?=\S)/i;
const LEAD_PERSON_FIRST = new RegExp(String.raw`^(?:send|write|shoot|drop)\s+(.+?)\s+(?:an?\s+)?(?:quick\s+|short\s+|brief\s+)?${NOUN}\b\s*`, 'i');
/** "... and send it" after a draft in the same message. */
const SEND_IT = /^send\s+(?:it|that|this|them|the\s+(?:e-?mails?|drafts?|messages?))(?:\s+(?:now|right\s+away|right\s+now|immediately|straight\s+away))?$/i;

/**
 * Email requests create a *draft* (create_draft) by default, as in the seed: the user reviews
 * the draft in their mailbox before anything leaves. Only an explicit "now", "right away",
 * "immediately" (or a follow-up "and send it") produces send_email, which is a high-risk step.
 */
const IMMEDIATE = /\b(?:right\s+away|right\s+now|immediately|straight\s+away|asap)\b|\bnow\s*$/i;

const BODY = /\s*(?:\b(?:saying|that\s+says|to\s+say|and\s+say|telling\s+(?:him|her|them)|with\s+(?:the\s+)?(?:message|body|text))\b|(?<!\b(?:re|subject|line|titled|entitled)\s*):)\s*(.*)$/i;
const SUBJECT = /\s*\b(?:with\s+(?:the\s+)?subject(?:\s+line)?|subject(?:\s+line)?|titled|entitled)\b\s*:?\s*(.*)$/i;
const TOPIC = /\s*\b(about|regarding|concerning|re:?)\s+(.*)$/i;

export const emailFamily: Family = {
  name: 'email',
  example: EXAMPLE,
  starts: (c) => LEAD_NOUN_FIRST.test(c) || LEAD_VERB.test(c) || LEAD_PERSON_FIRST.test(c) || SEND_IT.test(c),
  plan(clause, ctx) {
    if (SEND_IT.test(clause)) return sendEarlierDrafts(ctx);

    const immediate = IMMEDIATE.test(clause);
    let rest = without(clause, IMMEDIATE);
    let lead: string | undefined;
    const personFirst = LEAD_PERSON_FIRST.exec(rest);
    if (LEAD_NOUN_FIRST.test(rest)) rest = rest.replace(LEAD_NOUN_FIRST, '');
    else if (LEAD_VERB.test(rest)) rest = rest.replace(LEAD_VERB, '');
    else if (personFirst) {
      lead = personFirst[1];
      rest = rest.slice(personFirst[0].length);
    }

    const q = (s: string | undefined) => (s === undefined ? undefined : collapse(restoreQuotes(s, ctx.quotes)));
    let body: string | undefined;
    let subject: string | undefined;
    let topic: string | undefined;
    let prep = 'About';
    const b = BODY.exec(rest);
    if (b) {
      body = q(b[1]);
      rest = rest.slice(0, b.index);
    }
    const s = SUBJECT.exec(rest);
    if (s) {
      subject = q(s[1]);
      rest = rest.slice(0, s.index);
    }
    const t = TOPIC.exec(rest);
    if (t) {
      const word = (t[1] ?? 'about').replace(/:$/, '').toLowerCase();
      prep = word === 're' ? 'Re:' : capitalize(word);
      topic = q(t[2]);
      rest = rest.slice(0, t.index);
    }

    const who = collapse(lead ?? rest.replace(/^(?:to|for)\s+/i, ''));
    let people: Person[] | undefined;
    if (who) people = parsePeople(who, ctx.memory.people);
    else if (ctx.memory.people.length > 0) people = ctx.memory.people;
    if (!people) {
      throw planError(who ? `I could not tell who "${who}" is` : 'I could not tell who the email should go to', EXAMPLE);
    }

    if (!subject) subject = topic ? `${prep} ${topic}` : 'Quick note';
    const about = topic ? ` ${prep.replace(/:$/, '').toLowerCase()} ${topic}` : ` with subject "${subject}"`;
    for (const person of people) {
      const r = ctx.builder.recipient(person);
      const params: Record<string, unknown> = { subject, recipient: r.value };
      if (body) params.body = body;
      const verb = immediate ? 'Send email to' : 'Create email draft to';
      ctx.builder.add(immediate ? 'email_send' : 'email_draft', params, `${verb} ${personLabel(person)}${about}`, r.dependsOn);
    }
    ctx.memory.people = people;
    if (topic) ctx.memory.topic = topic;
  },
};

function sendEarlierDrafts(ctx: PlanContext): void {
  const drafts = ctx.builder.ofKind('email_draft');
  if (drafts.length === 0) throw planError('there is no email to send yet; say who it is for', EXAMPLE);
  for (const d of drafts) ctx.builder.promoteDraftToSend(d);
}
