/**
 * The "floor" baseline's jobs (bench/floor-gateway.ts, bench/floor-worker.ts): the raw flow's
 * work (bench/raw-jobs.ts: A → B → C, each parent reading its child's result), plus the events
 * SPEC §5 and §6.5 require of any implementation: STEP_EXECUTION running and completed for each
 * step, and a terminal WORKFLOW_STATUS, each appended to the workflow's event log (a resume
 * replays it, so it must be durable) and published for the gateways to relay, one script per
 * event. Seven events a workflow, where the product sends eleven (its midway progress reports and
 * the status on approval are its own choices). The terminal status goes out before BullMQ records
 * the root job complete, as the product's last commit does.
 *
 * A lower bound, not a conforming design: it skips what SPEC §4–§6 ask beyond delivering events
 * (authorization against the workflow, approval state and versions, exactly-once effects, parallel
 * siblings, fail-closed checks, the audit), and its payloads are thin.
 */
import type { FlowJob, Job } from 'bullmq';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import { RAW_JOB_OPTIONS, STEP_PARAMS, flowProcessor, rawJobId, type RawStep } from './raw-jobs';

export const FLOOR_QUEUE = 'floor';

/** The seed's three steps as one flow (a tree: the root runs last), tagged with its owner. */
export function floorFlow(sessionId: string, userId: string): FlowJob {
  const job = (name: RawStep) => ({ name, queueName: FLOOR_QUEUE, data: { id: sessionId, userId, params: STEP_PARAMS[name] }, opts: { ...RAW_JOB_OPTIONS, jobId: rawJobId(sessionId, name) } });
  return { ...job('C'), children: [{ ...job('B'), children: [job('A')] }] };
}

/**
 * KEYS[1] the workflow's event stream; ARGV[1] channel; ARGV[2] the relay message up to its
 * envelope; ARGV[3] the envelope without eventId. Logs it, publishes it with its id; returns the id.
 */
const LOG_AND_PUBLISH = `
local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[3])
redis.call('EXPIRE', KEYS[1], 3600)
redis.call('PUBLISH', ARGV[1], ARGV[2] .. '{"eventId":"' .. id .. '",' .. string.sub(ARGV[3], 2) .. '}')
return id`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    floorLog(stream: string, channel: string, head: string, envelope: string): Result<string, Context>;
  }
}

/** `productEvents`: also send the four events the product adds (FLOOR_EVENTS=11), to price them. */
export function floorProcessor(data: Redis, publisher: Redis, dataPrefix: string, channel: string, productEvents = false) {
  const work = flowProcessor(data, dataPrefix);
  publisher.defineCommand('floorLog', { lua: LOG_AND_PUBLISH, numberOfKeys: 1 });
  return async (job: Job): Promise<unknown> => {
    const { id: sessionId, userId } = job.data as { id: string; userId: string };
    const stream = `${dataPrefix}floor:{${sessionId}}:events`;
    const head = `{"userId":${JSON.stringify(userId)},"envelope":`;
    const publish = (type: string, payload: unknown) =>
      publisher.floorLog(stream, channel, head, JSON.stringify({ type, sessionId, payload, timestamp: Date.now() }));
    // Not awaited: what follows is published after it on the same connection. A lost event shows
    // as a workflow that never ends (the burst fails), so a failed write is only swallowed here.
    const early = [publish('STEP_EXECUTION', { stepId: job.name, status: 'running', progress: 0 })];
    if (productEvents) {
      early.push(publish('STEP_EXECUTION', { stepId: job.name, status: 'running', progress: 50, message: `Working on ${job.name}` }));
      if (job.name === 'A') early.push(publish('WORKFLOW_STATUS', { planState: 'running' }));
    }
    for (const p of early) p.catch(() => undefined);
    const data = await work(job);
    const done = [publish('STEP_EXECUTION', { stepId: job.name, status: 'completed', result: { success: true, data } })];
    if (job.name === 'C') done.push(publish('WORKFLOW_STATUS', { planState: 'completed' }));
    await Promise.all(done);
    return data;
  };
}
