/**
 * Issue 2 "Done when": the seed's walk-through, as a new user would run it, against real
 * gateway and worker processes, a real Redis and a real socket.io client.
 */
import { SEED_REQUEST, TestClient, isType, stepEvent, tokenFor, workflowEnded } from './support/client';
import { useStack } from './support/processes';

const stack = useStack();

test('a user adds John through their own plan, then runs the seed walk-through end to end', async () => {
  const client = await TestClient.connect(stack.gateway.url, tokenFor('alice'));
  try {
    // 1. Their own plan (WORKFLOW_SUBMIT): add John Doe to the contacts.
    const submitted = await client.sendOk('WORKFLOW_SUBMIT', {
      plan: {
        originalMessage: 'Add John Doe to my contacts',
        steps: [
          { id: 'add_john', type: 'contact', action: 'create_contact', description: 'Add John Doe', params: { name: 'John Doe', email: 'john.doe@company.com' } },
        ],
      },
    });
    const setup = submitted['sessionId'] as string;
    expect(setup).toMatch(/^wf_/);
    await client.waitFor(isType('WORKFLOW_DRAFT', setup));
    await client.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, setup);
    await client.waitFor(workflowEnded(setup), 20_000, 'setup workflow to complete');

    // 2. The seed's request → the seed's three-step draft.
    const ack = await client.sendOk('USER_MESSAGE', { message: SEED_REQUEST });
    const sid = ack['sessionId'] as string;
    const draft = await client.waitFor(isType('WORKFLOW_DRAFT', sid));
    expect(draft.eventId).toEqual(expect.any(String));
    const p = draft.payload;
    expect(p).toMatchObject({ originalMessage: SEED_REQUEST, totalSteps: 3, planState: 'created', approvalStatus: 'draft_pending' });
    expect(p.steps.map((s: any) => [s.id, s.type, s.action, s.riskLevel, s.order, s.state, s.approvalStatus])).toEqual([
      ['contact_lookup_1', 'contact', 'search_contacts', 'low', 1, 'pending', 'draft_pending'],
      ['email_draft_1', 'email', 'create_draft', 'medium', 2, 'pending', 'draft_pending'],
      ['calendar_event_1', 'calendar', 'create_event', 'medium', 3, 'pending', 'draft_pending'],
    ]);
    expect(p.steps[0].params).toEqual({ query: 'John' });
    expect(p.steps[1].params.recipient).toBe('{{contact_lookup_1.email}}');
    expect(p.steps[1].dependencies).toEqual(['contact_lookup_1']);
    expect(p.steps[2].dependencies).toEqual(['contact_lookup_1']);
    for (const s of p.steps) {
      expect(s.estimatedTime).toEqual(expect.any(String));
      expect(s.expectedOutcome).toEqual(expect.any(String));
    }
    expect(Object.keys(p.dependencies).sort()).toEqual(['calendar_event_1', 'email_draft_1']);
    expect(p.dependencies.email_draft_1).toMatchObject({ dependsOn: ['contact_lookup_1'], isBlocking: true });
    expect(p.risks.map((r: any) => [r.stepId, r.level])).toEqual([
      ['email_draft_1', 'medium'],
      ['calendar_event_1', 'medium'],
    ]);
    expect(typeof p.estimatedDuration).toBe('string');

    // Nothing runs before a decision.
    expect(client.of(sid, 'STEP_EXECUTION')).toHaveLength(0);

    // 3. Approve all → the three steps run, lookup first.
    const approved = await client.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sid);
    expect(approved['version']).toBeGreaterThan(p.version);
    const done = await client.waitFor(workflowEnded(sid), 30_000, 'workflow completed');
    const lookup = await client.waitFor(stepEvent(sid, 'contact_lookup_1', 'completed'));
    const email = await client.waitFor(stepEvent(sid, 'email_draft_1', 'completed'));
    const calendar = await client.waitFor(stepEvent(sid, 'calendar_event_1', 'completed'));

    expect(lookup.payload.result).toMatchObject({ success: true, state: 'completed', stepId: 'contact_lookup_1' });
    expect(lookup.payload.result.data).toMatchObject({ name: 'John Doe', email: 'john.doe@company.com' });
    expect(['email_draft_1', 'calendar_event_1']).toContain(lookup.payload.nextStepId);
    expect(email.payload.result.data).toMatchObject({ recipient: 'john.doe@company.com', subject: 'About the meeting' });
    expect(email.payload.result.data.draftId).toEqual(expect.any(String));
    expect(calendar.payload.result.data.eventId).toEqual(expect.any(String));
    expect(calendar.payload.result.data.attendees).toEqual(['john.doe@company.com']);

    // Dependency order: both dependents started only after the lookup completed.
    const idx = (pred: (e: any) => boolean) => client.events.findIndex(pred);
    const lookupDone = idx(stepEvent(sid, 'contact_lookup_1', 'completed'));
    expect(idx(stepEvent(sid, 'email_draft_1', 'running'))).toBeGreaterThan(lookupDone);
    expect(idx(stepEvent(sid, 'calendar_event_1', 'running'))).toBeGreaterThan(lookupDone);
    expect(idx(stepEvent(sid, 'contact_lookup_1', 'running'))).toBeLessThan(lookupDone);

    // Each step's progress report reached the client after its start and before its outcome.
    for (const step of ['contact_lookup_1', 'email_draft_1', 'calendar_event_1']) {
      const seen = client
        .of(sid, 'STEP_EXECUTION')
        .filter((e) => e.payload.stepId === step)
        .map((e) => (e.payload.status === 'running' ? `running ${e.payload.progress}` : e.payload.status));
      expect(seen).toEqual(['running 0', 'running 50', 'completed']);
    }

    // Event ids increase within the workflow, and the final status lists every step completed.
    const ids = client.of(sid).map((e) => e.eventId as string);
    const sorted = [...ids].sort((a, b) => (a.length - b.length) || a.localeCompare(b));
    expect(ids).toEqual(sorted);
    expect(new Set(ids).size).toBe(ids.length);
    expect(done.payload.steps.map((s: any) => s.state)).toEqual(['completed', 'completed', 'completed']);
  } finally {
    client.close();
  }
});
