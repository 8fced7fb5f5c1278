import type { HandlerContext, StepHandler } from './types';
import { PermanentStepError, completed } from './types';
import { deriveId, type Task } from './workspace';
import { iso, parseUserTime, safeZone } from './time';

/** Due date first (undated last), then oldest first: the order a to-do list is read in. */
function byDue(a: Task, b: Task): number {
  const da = a.due === undefined ? Infinity : Date.parse(a.due);
  const db = b.due === undefined ? Infinity : Date.parse(b.due);
  return da - db || a.createdAt.localeCompare(b.createdAt) || a.taskId.localeCompare(b.taskId);
}

const noSuchTask = (taskId: string) => new PermanentStepError(`No task with id ${taskId}`);

/**
 * `taskId` as the user gave it: a task's id, or else its title (the planner passes "Mark
 * \"Prepare meeting agenda\" as done" on as written). A title must name one task: open ones are
 * preferred when completing, and several with the same title are refused with their ids.
 */
async function resolveTaskId(ref: string, ctx: HandlerContext, preferOpen: boolean): Promise<string> {
  if (await ctx.workspace.getTask(ref)) return ref;
  const wanted = ref.trim().toLowerCase();
  const titled = (await ctx.workspace.listTasks()).filter((t) => t.title.trim().toLowerCase() === wanted);
  const open = titled.filter((t) => t.status === 'open');
  const pick = preferOpen && open.length > 0 ? open : titled;
  if (pick.length === 1) return (pick[0] as Task).taskId;
  if (pick.length === 0) throw new PermanentStepError(`No task with id or title ${ref}`);
  throw new PermanentStepError(`${pick.length} tasks are titled "${ref}": name one by its id (${pick.map((t) => t.taskId).join(', ')})`);
}

/** Default `open`: the catalog offers `all` explicitly, so the bare request means the to-do list. */
export const listTasks: StepHandler<'list_tasks'> = async (params, ctx) => {
  const status = params.status ?? 'open';
  const all = await ctx.workspace.listTasks();
  await ctx.reportProgress(50, 'Reading your tasks');
  const tasks = all.filter((t) => status === 'all' || t.status === status).sort(byDue);
  return completed({ tasks }, `Found ${tasks.length} ${status === 'all' ? '' : `${status} `}task${tasks.length === 1 ? '' : 's'}`);
};

export const createTask: StepHandler<'create_task'> = async (params, ctx) => {
  const tz = safeZone(ctx.timezone);
  const due = params.due === undefined ? undefined : iso(parseUserTime(params.due, tz, 'due'));
  await ctx.reportProgress(50, `Creating task "${params.title}"`);
  const task = await ctx.workspace.createTask(
    deriveId('task', ctx.idempotencyKey),
    { title: params.title, ...(due !== undefined ? { due } : {}), ...(params.notes !== undefined ? { notes: params.notes } : {}) },
    ctx.now(),
  );
  return completed(task, `Created task "${task.title}"`);
};

/** Setting fields is idempotent by nature, so a redelivery simply writes the same values again. */
export const updateTask: StepHandler<'update_task'> = async (params, ctx) => {
  const tz = safeZone(ctx.timezone);
  const due = params.due === undefined ? undefined : iso(parseUserTime(params.due, tz, 'due'));
  await ctx.reportProgress(50, `Updating task ${params.taskId}`);
  const taskId = await resolveTaskId(params.taskId, ctx, false);
  const task = await ctx.workspace.updateTask(taskId, { title: params.title, due, notes: params.notes }, ctx.now());
  if (!task) throw noSuchTask(params.taskId);
  return completed(task, `Updated task "${task.title}"`);
};

export const completeTask: StepHandler<'complete_task'> = async (params, ctx) => {
  await ctx.reportProgress(50, `Completing task ${params.taskId}`);
  const task = await ctx.workspace.completeTask(await resolveTaskId(params.taskId, ctx, true), ctx.now());
  if (!task) throw noSuchTask(params.taskId);
  return completed(task, `Completed task "${task.title}"`);
};
