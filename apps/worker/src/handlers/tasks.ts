import type { StepHandler } from './types';
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
  const task = await ctx.workspace.updateTask(params.taskId, { title: params.title, due, notes: params.notes }, ctx.now());
  if (!task) throw noSuchTask(params.taskId);
  return completed(task, `Updated task "${task.title}"`);
};

export const completeTask: StepHandler<'complete_task'> = async (params, ctx) => {
  await ctx.reportProgress(50, `Completing task ${params.taskId}`);
  const task = await ctx.workspace.completeTask(params.taskId, ctx.now());
  if (!task) throw noSuchTask(params.taskId);
  return completed(task, `Completed task "${task.title}"`);
};
