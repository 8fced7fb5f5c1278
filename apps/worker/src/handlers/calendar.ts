import type { StepHandler } from './types';
import { PermanentStepError, completed, resolvedList, resolvedNumber } from './types';
import { deriveId } from './workspace';
import { durations, findFreeSlots, formatLocal, iso, nextFullHour, parseUserTime, safeZone } from './time';

const DEFAULT_EVENT_MINUTES = 30;
const DEFAULT_FREE_TIME_DAYS = 2;

function range(params: { from?: string; to?: string }, tz: string): { from?: number; to?: number } {
  const from = params.from === undefined ? undefined : parseUserTime(params.from, tz, 'from');
  const to = params.to === undefined ? undefined : parseUserTime(params.to, tz, 'to');
  if (from !== undefined && to !== undefined && to <= from) throw new PermanentStepError('"to" must be after "from"');
  return { from, to };
}

/** Without bounds every event is listed; with one bound the other side is open. Overlap counts as "in range". */
export const listEvents: StepHandler<'list_events'> = async (params, ctx) => {
  const tz = safeZone(ctx.timezone);
  const { from, to } = range(params, tz);
  const all = await ctx.workspace.listEvents();
  await ctx.reportProgress(50, 'Reading your calendar');
  const events = all.filter(
    (e) => (from === undefined || Date.parse(e.end) > from) && (to === undefined || Date.parse(e.start) < to),
  );
  return completed({ events }, `Found ${events.length} event${events.length === 1 ? '' : 's'}`);
};

export const createEvent: StepHandler<'create_event'> = async (params, ctx) => {
  const tz = safeZone(ctx.timezone);
  const duration = (resolvedNumber(params.durationMinutes, 'durationMinutes') ?? DEFAULT_EVENT_MINUTES) * durations.MINUTE;
  const givenEnd = params.end !== undefined ? parseUserTime(params.end, tz, 'end') : undefined;
  // Only an end ("a meeting that ends at 3pm"): it starts its duration earlier, not at the next
  // full hour, which may be after that end.
  const start =
    params.start !== undefined ? parseUserTime(params.start, tz, 'start') : givenEnd !== undefined ? givenEnd - duration : nextFullHour(ctx.now(), tz);
  const end = givenEnd ?? start + duration;
  if (end <= start) throw new PermanentStepError('The event must end after it starts');
  await ctx.reportProgress(50, `Creating "${params.title}"`);
  const event = await ctx.workspace.createEvent(
    deriveId('evt', ctx.idempotencyKey),
    {
      title: params.title,
      start: iso(start),
      end: iso(end),
      attendees: [...new Set(resolvedList(params.attendees, 'attendees') ?? [])],
      ...(params.description !== undefined ? { description: params.description } : {}),
    },
    ctx.now(),
  );
  return completed(event, `Created "${event.title}" on ${formatLocal(Date.parse(event.start), tz)}`);
};

export const findFreeTime: StepHandler<'find_free_time'> = async (params, ctx) => {
  const tz = safeZone(ctx.timezone);
  const bounds = range(params, tz);
  const from = bounds.from ?? ctx.now();
  const to = bounds.to ?? from + DEFAULT_FREE_TIME_DAYS * durations.DAY;
  if (to <= from) throw new PermanentStepError('"to" must be in the future');
  const events = await ctx.workspace.listEvents();
  await ctx.reportProgress(50, 'Looking for free time');
  const slots = findFreeSlots({
    from,
    to,
    durationMinutes: resolvedNumber(params.durationMinutes, 'durationMinutes') ?? DEFAULT_EVENT_MINUTES,
    busy: events.map((e) => ({ start: Date.parse(e.start), end: Date.parse(e.end) })),
    tz,
  });
  const first = slots[0];
  return completed(
    { slots },
    first ? `Found ${slots.length} free slot${slots.length === 1 ? '' : 's'}, first ${formatLocal(Date.parse(first.start), tz)}` : 'No free time in that range',
  );
};
