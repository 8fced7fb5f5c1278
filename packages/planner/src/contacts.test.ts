import { only, plan, planErrorOf } from './test-helpers';

describe('add a contact', () => {
  it.each([
    ['Add Jane Roe jane@example.com to my contacts', { name: 'Jane Roe', email: 'jane@example.com' }],
    ['create a contact for Bob Smith, phone +1 555 010 0199', { name: 'Bob Smith', phone: '+1 555 010 0199' }],
    ['new contact: Ada Lovelace, ada@example.org, 020 7946 0018', { name: 'Ada Lovelace', email: 'ada@example.org', phone: '020 7946 0018' }],
    ['save Li Wei with email li.wei@example.cn to my address book', { name: 'Li Wei', email: 'li.wei@example.cn' }],
  ])('%s → create_contact', (message, params) => {
    const step = only(plan(message));
    expect(step).toMatchObject({ id: 'contact_create_1', type: 'contact', action: 'create_contact' });
    expect(step.params).toEqual(params);
  });

  it('refuses a contact without a name', () => {
    expect(planErrorOf('add jane@example.com to my contacts').message).toContain("new contact's name");
  });
});

describe('look up and list contacts', () => {
  it.each(['look up John', "what's John's email?", 'find John in my contacts'])('%s → search_contacts', (message) => {
    expect(only(plan(message))).toEqual({
      id: 'contact_lookup_1',
      type: 'contact',
      action: 'search_contacts',
      params: { query: 'John' },
      description: 'Look up John in your contacts',
    });
  });

  it('lists every contact', () => {
    expect(only(plan('show all my contacts'))).toMatchObject({ id: 'contact_list_1', action: 'get_all_contacts', params: {} });
  });
});
