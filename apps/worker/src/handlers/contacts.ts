import type { HandlerOutcome, StepHandler } from './types';
import { completed } from './types';
import { deriveId, type Contact } from './workspace';

/** The seed's "Unknown Contact" options, verbatim: the gateway and clients key on them. */
export const UNKNOWN_CONTACT_OPTIONS = ['Enter email address', 'Skip this step', 'Search with different name'];

const norm = (s: string) => s.toLowerCase().trim().replace(/\s+/g, ' ');

/**
 * How well a contact matches the query; 0 = no match. Whole-word matches rank above partial ones,
 * and an exact first-name match ("John" -> John Doe) above a prefix ("John" -> Johnny Appleseed).
 */
export function matchScore(contact: Contact, query: string): number {
  const q = norm(query);
  if (!q) return 0;
  const name = norm(contact.name);
  const words = name.split(' ');
  const email = contact.email ? norm(contact.email) : '';
  const local = email.split('@')[0] ?? '';
  const qWords = q.split(' ');
  if (name === q || email === q) return 100;
  if (qWords.length === 1 && words[0] === q) return 80;
  if (qWords.every((w) => words.includes(w))) return 70;
  if (local && (local === q || local.split(/[._+-]/).includes(q))) return 60;
  if (qWords.every((w) => words.some((n) => n.startsWith(w)))) return 40;
  if (name.includes(q) || email.includes(q)) return 20;
  return 0;
}

function needEmail(reason: string, query: string): HandlerOutcome {
  return {
    kind: 'intervention',
    reason,
    options: [...UNKNOWN_CONTACT_OPTIONS],
    entityToResolve: { type: 'PERSON', value: query },
  };
}

export const searchContacts: StepHandler<'search_contacts'> = async (params, ctx) => {
  const query = params.query.trim();
  const contacts = await ctx.workspace.listContacts();
  await ctx.reportProgress(50, `Searching your contacts for "${query}"`);
  const best = contacts
    .map((c) => ({ c, score: matchScore(c, query) }))
    .filter((m) => m.score > 0)
    // Ties: a contact with an email wins (the lookup exists to find one), then alphabetical for determinism.
    .sort((a, b) => b.score - a.score || Number(!a.c.email) - Number(!b.c.email) || a.c.name.localeCompare(b.c.name) || a.c.contactId.localeCompare(b.c.contactId))[0]?.c;
  if (!best) return needEmail(`I don't recognize "${query}". Please provide their email address:`, query);
  // The result promises an email (later steps template on it); a match without one needs the user too.
  if (!best.email) return needEmail(`"${best.name}" has no email address on file. Please provide their email address:`, query);
  // Exactly the seed's shape { name, email, phone? }.
  const data = { name: best.name, email: best.email, ...(best.phone !== undefined ? { phone: best.phone } : {}) };
  return completed(data, `Found ${best.name} (${best.email})`);
};

export const getAllContacts: StepHandler<'get_all_contacts'> = async (_params, ctx) => {
  const all = await ctx.workspace.listContacts();
  await ctx.reportProgress(50, 'Reading your contacts');
  const contacts = all.sort((a, b) => a.name.localeCompare(b.name) || a.contactId.localeCompare(b.contactId));
  return completed({ contacts }, `Found ${contacts.length} contact${contacts.length === 1 ? '' : 's'}`);
};

/**
 * Always a new contact, never a merge into an existing one with the same email: the compensation
 * deletes what this step created, and must not be able to delete a contact the user already had.
 */
export const createContact: StepHandler<'create_contact'> = async (params, ctx) => {
  await ctx.reportProgress(50, `Adding ${params.name} to your contacts`);
  const contact = await ctx.workspace.createContact(
    deriveId('contact', ctx.idempotencyKey),
    {
      name: params.name,
      ...(params.email !== undefined ? { email: params.email } : {}),
      ...(params.phone !== undefined ? { phone: params.phone } : {}),
    },
    ctx.now(),
  );
  return completed(contact, `Added ${contact.name} to your contacts`);
};
