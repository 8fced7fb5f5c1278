import type { PlanContext } from '../builder';

/**
 * One family of requests ("email someone", "remind me to ..."). A family answers two questions:
 * does a clause *start* one of its requests (cheap, used to split "A and B" into clauses), and
 * what steps does that clause need (may throw planError with a family-specific hint).
 */
export interface Family {
  name: string;
  /** A request that works, quoted in this family's error messages and in the README. */
  example: string;
  starts(clause: string): boolean;
  plan(clause: string, ctx: PlanContext): void;
}

/** Removes the first match of `re` from `text` and tidies the spaces left behind. */
export function without(text: string, re: RegExp): string {
  return text.replace(re, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Read-only requests ("what's on my calendar today") are recognised by a few keywords, so a
 * clause like "meeting him now me what me" would also match. Their grammar is small: after the
 * date and the family's own words are taken out, nothing may be left. Returns what is left.
 */
export function strayWords(text: string, vocabulary: ReadonlySet<string>): string[] {
  return text
    .toLowerCase()
    .replace(/[’]/g, "'")
    .split(/[^\p{L}\p{N}'-]+/u)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w && !vocabulary.has(w) && !/^\d+$/.test(w));
}

export function vocabulary(...lists: string[]): ReadonlySet<string> {
  return new Set(lists.join(' ').split(/\s+/).filter(Boolean));
}

/** Words any request may carry without changing its meaning. */
export const COMMON_WORDS =
  "a an the my me i i'm i've we us our is are am be do does did have has had there any all some please just now currently " +
  'to of in on for at from with up can could would will you show list get give tell see view check display read open what ' +
  "what's whats which how many";
