import { planError } from '../errors';
import { EMAIL_RE, PHONE_RE, asName, collapse, parsePeople, restoreQuotes } from '../text';
import { without, type Family } from './family';

const BOOK = String.raw`(?:contacts?|contact\s+list|address\s*book|phone\s*book)`;
const ADD = [
  new RegExp(String.raw`^(?:add|save|store|put)\s+.+\s+(?:to|in|into)\s+(?:my\s+)?${BOOK}\b`, 'i'),
  /^(?:add|create|make|save|new)\s+(?:an?\s+)?(?:new\s+)?contact\b/i,
];

const ADD_EXAMPLE = 'Add Jane Roe jane@example.com to my contacts';

/** "Add Jane Roe jane@example.com +1 555 0100 to my contacts" → create_contact. */
export const addContactFamily: Family = {
  name: 'add-contact',
  example: ADD_EXAMPLE,
  starts: (c) => ADD.some((re) => re.test(c)),
  plan(clause, ctx) {
    let rest = restoreQuotes(clause, ctx.quotes);
    const email = EMAIL_RE.exec(rest)?.[0];
    if (email) rest = rest.replace(email, ' ');
    const phone = PHONE_RE.exec(rest)?.[0]?.trim();
    if (phone) rest = rest.replace(phone, ' ');
    rest = without(rest, new RegExp(String.raw`\s+(?:to|in|into)\s+(?:my\s+)?${BOOK}\b.*$`, 'i'));
    rest = rest
      .replace(/^(?:add|create|make|save|store|put|new)\b\s*(?:an?\s+)?(?:new\s+)?(?:contact\b)?\s*(?:for|named|called|:)?\s*/i, '')
      .replace(/\b(?:with|whose|and|at|on|email(?:\s+address)?|e-mail|mail|phone(?:\s+number)?|mobile|cell|number|tel)\b|[,:;()]/gi, ' ');
    const name = asName(collapse(rest));
    if (!name) throw planError(rest.trim() ? `"${collapse(rest)}" does not look like a name` : 'I could not tell the new contact\'s name', ADD_EXAMPLE);
    const params: Record<string, unknown> = { name };
    if (email) params.email = email;
    if (phone) params.phone = phone;
    const details = [email, phone].filter(Boolean).join(', ');
    ctx.builder.add('contact_create', params, `Add ${name}${details ? ` (${details})` : ''} to your contacts`);
    // "... and email him": use the address just given. Without one there is nothing to write to
    // (a lookup would race the creation), so "him" stays unresolved and is refused.
    ctx.memory.people = email ? [{ kind: 'email', email }] : [];
  },
};

const LOOKUP = [
  /^(?:look\s*up|search\s+(?:my\s+)?contacts\s+for|find\s+contact)\s+(.+?)(?:\s+in\s+(?:my\s+)?contacts)?$/i,
  /^(?:find|get|what(?:'s|s|\s+is)|show\s+me|give\s+me)\s+(.+?)'s\s+(?:e-?mail(?:\s+address)?|phone(?:\s+number)?|number|contact(?:\s+(?:info|details))?|details|address)$/i,
  /^(?:find|search\s+for)\s+(.+?)\s+in\s+(?:my\s+)?contacts$/i,
];

/** "look up John", "what's Sarah's email?" → search_contacts (and remembers the person for "... and email him"). */
export const lookupContactFamily: Family = {
  name: 'lookup-contact',
  example: 'Look up John in my contacts',
  starts: (c) => LOOKUP.some((re) => re.test(c)),
  plan(clause, ctx) {
    const who = LOOKUP.map((re) => re.exec(clause)?.[1]).find((x) => x !== undefined) ?? '';
    const people = parsePeople(who, ctx.memory.people);
    if (!people) throw planError(`I could not tell who "${who}" is`, 'Look up John in my contacts');
    for (const p of people) {
      if (p.kind === 'name') ctx.builder.lookup(p.name);
    }
    ctx.memory.people = people;
  },
};

/** "show all my contacts" → get_all_contacts. */
export const listContactsFamily: Family = {
  name: 'list-contacts',
  example: 'Show all my contacts',
  starts: (c) =>
    new RegExp(String.raw`^(?:list|show|display|get|see|view|give\s+me|read)\s+(?:me\s+)?(?:all\s+)?(?:of\s+)?(?:my\s+)?(?:the\s+)?${BOOK}$`, 'i').test(c) ||
    new RegExp(String.raw`^who(?:'s|s|\s+is|\s+are)\s+in\s+my\s+${BOOK}$`, 'i').test(c),
  plan(_clause, ctx) {
    ctx.builder.add('contact_list', {}, 'List all your contacts');
  },
};
