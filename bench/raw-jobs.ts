/**
 * The raw BullMQ baseline's jobs, run by a Worker in the bench process or in its own process
 * (bench/raw-worker.ts): the seed's work without the product.
 * - chain: A reads the contact (HGET) and, before completing, enqueues B and C with the looked-up
 *   email (as the product's worker enqueues dependents); B writes a draft, C an event (SET each);
 * - flow (FlowProducer): a flow is a tree whose children run before their parent, so the seed's
 *   lookup → (draft, event) becomes A → B → C, each parent reading its child's result.
 * Job options are the product's (@wfa/queue stepJobOptions with the default attempts/backoff).
 */
import type { Job, JobsOptions, Queue } from 'bullmq';
import type Redis from 'ioredis';
import { stepJobOptions } from '@wfa/queue';

export const RAW_JOB_OPTIONS: JobsOptions = stepJobOptions(3, 1000);

export const STEP_PARAMS = {
  A: { query: 'John' },
  B: { subject: 'About the meeting', recipient: '{{contact_lookup_1.email}}' },
  C: { title: 'Meeting with John', attendees: ['{{contact_lookup_1.email}}'] },
} as const;

export type RawStep = keyof typeof STEP_PARAMS;

export const contactKey = (dataPrefix: string) => `${dataPrefix}raw:contact:john`;

export async function seedContact(data: Redis, dataPrefix: string): Promise<void> {
  await data.hset(contactKey(dataPrefix), { name: 'John Doe', email: 'john.doe@company.com' });
}

/** Job ids are `<chain id>__<step>`, so whoever sees a completion knows its chain. */
export const rawJobId = (id: string, step: RawStep) => `${id}__${step}`;
export const chainOf = (jobId: string) => jobId.slice(0, jobId.lastIndexOf('__'));

export function chainProcessor(data: Redis, chainQ: Queue, dataPrefix: string) {
  return async (job: Job): Promise<unknown> => {
    const d = job.data as { id: string; email?: string; params: unknown };
    if (job.name === 'A') {
      const email = await data.hget(contactKey(dataPrefix), 'email');
      await chainQ.addBulk(
        (['B', 'C'] as const).map((name) => ({ name, data: { id: d.id, email, params: STEP_PARAMS[name] }, opts: { ...RAW_JOB_OPTIONS, jobId: rawJobId(d.id, name) } })),
      );
      return { email };
    }
    await data.set(`${dataPrefix}raw:out:${d.id}:${job.name}`, JSON.stringify({ to: d.email, ...(d.params as object) }), 'EX', 3600);
    return { ok: true };
  };
}

export function flowProcessor(data: Redis, dataPrefix: string) {
  return async (job: Job): Promise<unknown> => {
    const d = job.data as { id: string; params: unknown };
    if (job.name === 'A') return { email: await data.hget(contactKey(dataPrefix), 'email') };
    const children = await job.getChildrenValues();
    await data.set(`${dataPrefix}raw:flow:${d.id}:${job.name}`, JSON.stringify({ children, ...(d.params as object) }), 'EX', 3600);
    return { ok: true };
  };
}
