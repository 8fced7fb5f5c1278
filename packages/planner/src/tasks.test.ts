import { only, plan, planErrorOf } from './test-helpers';

describe('remind me / create a task', () => {
  it.each([
    ['remind me to call mom tomorrow at 9am', { title: 'Call mom', due: '2024-03-15T09:00:00+01:00' }],
    ['Remind me tomorrow at 9 to send the invoice', { title: 'Send the invoice', due: '2024-03-15T09:00:00+01:00' }],
    ['remind me at 5 to water the plants', { title: 'Water the plants', due: '2024-03-14T17:00:00+01:00' }],
    ['remind me in 2 hours to stretch', { title: 'Stretch', due: '2024-03-14T13:30:00+01:00' }],
    ['remind me to buy flowers', { title: 'Buy flowers' }],
    ['add a task: renew passport by the end of the week', { title: 'Renew passport', due: '2024-03-17T23:59:00+01:00' }],
    ['create a task to review the March report due Friday', { title: 'Review the March report', due: '2024-03-15T23:59:00+01:00' }],
    ['add pick up dry cleaning to my to-do list', { title: 'Pick up dry cleaning' }],
    ['todo: book flights with notes: window seat', { title: 'Book flights', notes: 'window seat' }],
  ])('%s → create_task', (message, params) => {
    const step = only(plan(message));
    expect(step).toMatchObject({ id: 'task_create_1', type: 'task', action: 'create_task' });
    expect(step.params).toEqual(params);
  });

  it('refuses an empty reminder', () => {
    expect(planErrorOf('remind me tomorrow').message).toContain('what the task is');
  });
});

describe('mark a task done', () => {
  it.each([
    ['mark task task_123 as done', 'task_123'],
    ['Mark task_9 complete', 'task_9'],
    ['complete task #42', '42'],
    ['complete task Buy milk', 'Buy milk'],
    ['check off task "pay rent"', 'pay rent'],
  ])('%s → complete_task', (message, taskId) => {
    expect(only(plan(message))).toEqual({
      id: 'task_complete_1',
      type: 'task',
      action: 'complete_task',
      params: { taskId },
      description: `Mark task ${taskId} as done`,
    });
  });
});

describe('update a task', () => {
  it.each([
    ['update task task_123 due Friday', { taskId: 'task_123', due: '2024-03-15T23:59:00+01:00' }],
    ['move task task_1 to March 31 at 3pm', { taskId: 'task_1', due: '2024-03-31T15:00:00+02:00' }],
    ['rename task task_7 to Pay rent', { taskId: 'task_7', title: 'Pay rent' }],
    ['change the due date of task task_5 to next monday', { taskId: 'task_5', due: '2024-03-18T23:59:00+01:00' }],
    ['update task task_2 notes: call before noon', { taskId: 'task_2', notes: 'call before noon' }],
  ])('%s → update_task', (message, params) => {
    const step = only(plan(message));
    expect(step).toMatchObject({ id: 'task_update_1', type: 'task', action: 'update_task' });
    expect(step.params).toEqual(params);
  });

  it('refuses an update that changes nothing', () => {
    expect(planErrorOf('update task task_123').message).toContain('what to change on task task_123');
  });
});

describe('list my tasks', () => {
  it.each([
    ['list my tasks', {}],
    ['show my open tasks', { status: 'open' }],
    ["what's on my to-do list?", {}],
    ['which tasks have I completed', { status: 'completed' }],
    ['show all my tasks', { status: 'all' }],
  ])('%s → list_tasks', (message, params) => {
    const step = only(plan(message));
    expect(step).toMatchObject({ id: 'task_list_1', type: 'task', action: 'list_tasks' });
    expect(step.params).toEqual(params);
  });
});
