import { PlanBuilder, type PlanContext } from './builder';
import { planError } from './errors';
import { agendaFamily, freeTimeFamily } from './families/calendar-read';
import { addContactFamily, listContactsFamily, lookupContactFamily } from './families/contacts';
import { emailFamily } from './families/email';
import type { Family } from './families/family';
import { inboxFamily, summarizeFamily } from './families/inbox';
import { meetingFamily } from './families/meeting';
import { completeTaskFamily, createTaskFamily, listTasksFamily, updateTaskFamily } from './families/tasks';
import { cleanClause, hasQuote, protectQuotes, splitPieces, truncate, type Piece } from './text';
import { makeTimeContext } from './time';
import type { Planner, PlanRequest, PlanResult } from './types';

/**
 * Order matters: the first family whose `starts` accepts a clause plans it. Specific phrasings
 * come before general ones ("add X to my contacts" before "add X to my calendar", "what's on my
 * to-do list" before "what's on ...", writing an email before reading the inbox).
 */
export const FAMILIES: readonly Family[] = [
  summarizeFamily,
  emailFamily,
  createTaskFamily,
  completeTaskFamily,
  updateTaskFamily,
  addContactFamily,
  lookupContactFamily,
  listContactsFamily,
  freeTimeFamily,
  meetingFamily,
  listTasksFamily,
  inboxFamily,
  agendaFamily,
];

/** Long enough for a pasted text to summarize; anything longer is not a request. */
const MAX_MESSAGE = 50_000;
/** Any other request is short; the cap also bounds the work the regexes below can do. */
const MAX_REQUEST = 2_000;
/** How many comma/"and" pieces one request may span before the words that identify it. */
const MAX_LOOKAHEAD = 6;
const MAX_CLAUSES = 10;

/** After "then", "also", ";" or a full stop, words that start no request are an unknown request, not more of the last one. */
const STRONG_JOINER = /then|also|after|[.!?;]/i;

/**
 * Verbs of things no action in the catalog does. A piece that starts with one is a request of its
 * own, not more of the previous one: glued on, "… about the launch and delete all my contacts" or
 * "… and cc Sarah" became part of a subject. Only plain imperatives are listed, so a topic such as
 * "pricing and contracts" is still glued.
 */
const UNSUPPORTED_VERB =
  /^(?:delete|remove|erase|wipe|cancel|cc|bcc|forward|fwd|reply|respond|call|book|buy|purchase|pay|transfer|archive|unsubscribe|share|print|upload|download|tweet|publish|rename|block|mute|install|translate|attach|invite|decline)\b/i;

interface Clause {
  raw: string;
  family: Family;
}

/**
 * Deterministic, rule-based planner over the SPEC §7 catalog. Pure: the only inputs are the
 * request's fields (`now` instead of the clock), so the same request always yields the same plan.
 */
export class RuleBasedPlanner implements Planner {
  constructor(private readonly families: readonly Family[] = FAMILIES) {}

  plan(req: PlanRequest): PlanResult {
    const message = typeof req.message === 'string' ? req.message : '';
    if (!message.trim()) throw planError('the message is empty');
    if (message.length > MAX_MESSAGE) throw planError(`the message is longer than ${MAX_MESSAGE} characters`);
    const time = makeTimeContext(req.now, req.timezone);
    const { text, quotes } = protectQuotes(message);
    if (text.length > MAX_REQUEST && !summarizeFamily.starts(cleanClause(text.slice(0, 200)))) {
      throw planError(`a request longer than ${MAX_REQUEST} characters can only be text to summarize`, 'Summarize "paste the text here"');
    }

    const clauses = this.clauses(text, message);
    const builder = new PlanBuilder();
    const ctx: PlanContext = { builder, time, quotes, memory: { people: [] } };
    for (const clause of clauses) clause.family.plan(cleanClause(clause.raw), ctx);
    if (builder.size === 0) throw planError('that request needs no action');

    const steps = builder.build();
    return { originalMessage: message, summary: builder.summary(), steps };
  }

  /**
   * A request may itself contain commas or "and" before the words that identify it:
   * "Add Tom Jones, tom@jones.com, to my contacts". Joins following pieces (up to one that starts
   * a request of its own) until the whole starts a request.
   */
  private lookahead(pieces: readonly Piece[], start: number): { raw: string; family: Family; last: number } | undefined {
    let raw = pieces[start]?.text ?? '';
    for (let j = start + 1; j < Math.min(pieces.length, start + 1 + MAX_LOOKAHEAD); j++) {
      const next = pieces[j] as Piece;
      if (this.familyOf(cleanClause(next.text))) return undefined;
      raw += next.joiner + next.text;
      const family = this.familyOf(cleanClause(raw));
      if (family) return { raw, family, last: j };
    }
    return undefined;
  }

  private familyOf(cleaned: string): Family | undefined {
    return cleaned ? this.families.find((f) => f.starts(cleaned)) : undefined;
  }

  /**
   * Splits "A and B, then C" into clauses. A piece that starts no request of its own is glued
   * back onto the previous clause, so "about pricing and contracts" or "with Sarah and Tom" stay
   * whole — but not after "then" or a full stop ("... and then make me a sandwich" is refused).
   * Unquoted text after "summarize:" is all text, so it swallows everything after it.
   */
  private clauses(text: string, original: string): Clause[] {
    const clauses: Clause[] = [];
    const pieces = splitPieces(text);
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as Piece;
      const current = clauses[clauses.length - 1];
      const cleaned = cleanClause(piece.text);
      const swallow = current?.family === summarizeFamily && !hasQuote(current.raw);
      const family = swallow ? undefined : this.familyOf(cleaned);
      const ahead = family || swallow || !cleaned ? undefined : this.lookahead(pieces, i);
      if (family) clauses.push({ raw: piece.text, family });
      else if (ahead) {
        clauses.push({ raw: ahead.raw, family: ahead.family });
        i = ahead.last;
      } else if (current && !swallow && UNSUPPORTED_VERB.test(cleaned)) throw unrecognised(piece.text);
      else if (current && (swallow || !STRONG_JOINER.test(piece.joiner) || !cleaned)) current.raw += piece.joiner + piece.text;
      else if (cleaned) throw unrecognised(current ? piece.text : original);
    }
    if (clauses.length === 0) throw unrecognised(original);
    if (clauses.length > MAX_CLAUSES) throw planError(`that is more than ${MAX_CLAUSES} requests at once; split it up`);
    return clauses;
  }
}

function unrecognised(message: string): Error {
  return planError(`I did not recognise a request I can carry out in "${truncate(message.replace(/\s+/g, ' ').trim(), 80)}"`);
}

export function createDefaultPlanner(): Planner {
  return new RuleBasedPlanner();
}
