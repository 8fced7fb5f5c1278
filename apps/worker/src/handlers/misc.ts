import type { StepHandler } from './types';
import { completed } from './types';

const SUMMARY_MAX = 200;

/**
 * Extractive summary: leading sentences while they fit in ~200 chars (at least one, cut with an
 * ellipsis if the first alone is too long). Deterministic and offline; an LLM provider can plug in here.
 */
export function summarizeText(text: string, max = SUMMARY_MAX): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  const sentences = clean.match(/[^.!?]+(?:[.!?]+|$)/g)?.map((s) => s.trim()).filter(Boolean) ?? [];
  let summary = '';
  for (const s of sentences) {
    const next = summary ? `${summary} ${s}` : s;
    if (next.length > max) break;
    summary = next;
  }
  if (!summary && clean) {
    // Cut at a word boundary when one is reasonably close to the limit.
    const cut = clean.slice(0, max - 1);
    const space = cut.lastIndexOf(' ');
    summary = `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
  }
  return summary;
}

export const summarize: StepHandler<'summarize'> = async (params, ctx) => {
  await ctx.reportProgress(50, 'Summarizing');
  const summary = summarizeText(params.text);
  return completed({ summary }, 'Summary ready');
};

/** Always asks the user; the worker turns the answer into the step's result when it arrives. */
export const userIntervention: StepHandler<'user_intervention'> = async (params, ctx) => {
  await ctx.reportProgress(50, 'Waiting for your answer');
  return { kind: 'intervention', reason: params.reason, options: [...params.options] };
};
