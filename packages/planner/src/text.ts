/**
 * Text helpers shared by every request family: quote protection, clause cleanup,
 * person-name parsing. Everything here is a pure string function.
 */

/**
 * Quoted passages ("..." or “...”) are swapped for private-use placeholders before any
 * regex runs, so an "and" or a date inside text to summarize never splits or reshapes the request.
 */
const QUOTE_RE = /"([^"]*)"|“([^”]*)”/g;
const PLACEHOLDER_RE = /\uE000(\d+)\uE001/g;

export interface Protected {
  text: string;
  quotes: string[];
}

export function protectQuotes(input: string): Protected {
  const quotes: string[] = [];
  // Placeholder characters typed by the user would be mistaken for ours: drop them first.
  const clean = input.replace(/[\uE000\uE001]/g, '');
  const text = clean.replace(QUOTE_RE, (_m, a: string | undefined, b: string | undefined) => {
    quotes.push(a ?? b ?? '');
    return `\uE000${quotes.length - 1}\uE001`;
  });
  return { text, quotes };
}

export function restoreQuotes(text: string, quotes: readonly string[]): string {
  return text.replace(PLACEHOLDER_RE, (_m, i: string) => quotes[Number(i)] ?? '');
}

/** The single quoted passage a clause consists of / contains, if any. */
export function quotedIn(text: string, quotes: readonly string[]): string | undefined {
  const m = /\uE000(\d+)\uE001/.exec(text);
  return m ? quotes[Number(m[1])] : undefined;
}

export function hasQuote(text: string): boolean {
  return /\uE000\d+\uE001/.test(text);
}

export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const LEAD_FILLER =
  /^(?:please|pls|plz|kindly|hey|hi|hello|ok(?:ay)?|so|also|and|then|now|after that|afterwards|next|finally|can you|could you|would you|will you|can u|could u|i need you to|i want you to|i'd like you to|i would like you to|i want to|i'd like to|i would like to|help me|let's|lets|go ahead and|assistant)\b[\s,:]*/i;
const TRAIL_FILLER = /[\s,]*\b(?:please|thanks|thank you|thx|for me)\s*[.!?]*\s*$/i;

/** Strips politeness and connective words that carry no meaning for planning. */
export function cleanClause(raw: string): string {
  let s = collapse(raw).replace(/^[\s,;:.!?-]+/, '');
  for (let i = 0; i < 5; i++) {
    const next = s.replace(LEAD_FILLER, '');
    if (next === s) break;
    s = next;
  }
  s = s.replace(TRAIL_FILLER, '');
  return s.replace(/[\s.!?,;]+$/, '').trim();
}

/** Connectors that may join two requests. Pieces that start no request are glued back (see planner). */
const SPLIT_RE = /(\s*,?\s+and\s+then\s+|\s*,?\s+and\s+also\s+|\s*,?\s+then\s+|\s*,?\s+after\s+that\s+|\s*,?\s+and\s+|\s*;\s*|\s*,\s*|[.!?]+\s+)/i;

export interface Piece {
  /** The connector that preceded this piece in the message ('' for the first). */
  joiner: string;
  text: string;
}

export function splitPieces(text: string): Piece[] {
  const parts = text.split(SPLIT_RE);
  const pieces: Piece[] = [];
  let joiner = '';
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      joiner = part;
      return;
    }
    pieces.push({ joiner, text: part });
  });
  return pieces;
}

export function capitalize(s: string): string {
  return s.length === 0 ? s : s.charAt(0).toUpperCase() + s.slice(1);
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
export const PHONE_RE = /\+?\d[\d\s().-]{5,}\d/;

/** Words that are never (part of) a person's name; pronouns are handled separately. */
const NOT_A_NAME = new Set(
  (
    'a an the my your our their his her its this that these those me myself i you we us it everyone everybody ' +
    'someone somebody anyone all team about regarding re on at for to from with in by of and or but ' +
    'today tomorrow yesterday tonight next last week month year morning afternoon evening ' +
    'email e-mail mail message note meeting call event task calendar contact contacts inbox ' +
    'what who when where why how is are be do does please ' +
    // The planner's own vocabulary: "email remind" is a garbled request, not a person called Remind.
    'send write draft compose schedule remind create add find check list show mark update complete rename move ' +
    'invite block summarize summarise look search tasks todo done free slot time now then also open inbox emails ' +
    'events meetings due contacts agenda'
  ).split(' '),
);

export const PRONOUNS = /^(?:him|her|them)$/i;

export type Person = { kind: 'name'; name: string } | { kind: 'email'; email: string };

export function personLabel(p: Person): string {
  return p.kind === 'name' ? p.name : p.email;
}

/** "John" / "john" / "Mary-Jane O'Neil" → a display name; undefined when it does not look like a name. */
export function asName(raw: string): string | undefined {
  const words = collapse(raw.replace(/'s$/i, '')).split(' ').filter(Boolean);
  if (words.length === 0 || words.length > 4) return undefined;
  for (const w of words) {
    if (!/^\p{L}[\p{L}'.-]*$/u.test(w) || NOT_A_NAME.has(w.toLowerCase())) return undefined;
  }
  return words.map(capitalize).join(' ');
}

/**
 * Parses "John", "John and Sarah", "Ann, Bob & jo@x.io", "him" into people.
 * Returns undefined if any part is not recognisably a person, so callers can refuse
 * instead of searching the address book for "the budget".
 */
export function parsePeople(raw: string, previous: readonly Person[]): Person[] | undefined {
  const parts = collapse(raw)
    .split(/\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*/i)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return undefined;
  const people: Person[] = [];
  for (const part of parts) {
    const email = new RegExp(`^${EMAIL_RE.source}$`).exec(part);
    if (email) {
      people.push({ kind: 'email', email: email[0] });
    } else if (PRONOUNS.test(part)) {
      if (previous.length === 0) return undefined;
      people.push(...previous);
    } else {
      const name = asName(part);
      if (!name) return undefined;
      people.push({ kind: 'name', name });
    }
  }
  return people;
}

/** "John", "John and Sarah", "John, Sarah and Tom" for descriptions and titles. */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
