/**
 * `clone` replaces structuredClone on the domain's hot path (every transition copies the draft):
 * it must copy JSON data exactly as structuredClone does, share nothing with the original, and
 * never reach a prototype through a `__proto__` key.
 */
import fc from 'fast-check';
import { clone } from './util';

describe('clone (deep copy of JSON data)', () => {
  test('equals structuredClone on arbitrary JSON values, and shares no object with the original', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const copy = clone(v);
        expect(copy).toStrictEqual(structuredClone(v));
        const seen = new Set<unknown>();
        const collect = (x: unknown) => {
          if (x !== null && typeof x === 'object') {
            seen.add(x);
            for (const y of Object.values(x)) collect(y);
          }
        };
        collect(v);
        const shared = (x: unknown): boolean =>
          x !== null && typeof x === 'object' && (seen.has(x) || Object.values(x).some(shared));
        expect(shared(copy)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  test('an own __proto__ key (as JSON.parse makes it) is copied as data, not as a prototype', () => {
    const hostile = JSON.parse('{"a":{"__proto__":{"polluted":true},"b":[{"__proto__":{"x":1}}]}}') as {
      a: { b: object[] };
    };
    const copy = clone(hostile);
    expect(Object.getPrototypeOf(copy.a)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(copy.a)).toEqual(['__proto__', 'b']);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(hostile));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((copy.a as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  test('a change to the copy leaves the original as it was', () => {
    const original = { steps: [{ id: 's1', params: { to: ['a@b.c'] } }], version: 3 };
    const copy = clone(original);
    copy.steps[0]!.params.to.push('x@y.z');
    copy.version = 4;
    expect(original).toEqual({ steps: [{ id: 's1', params: { to: ['a@b.c'] } }], version: 3 });
  });

  // No workflow holds such data (user values: 64 levels; template paths: 200 characters).
  test('refuses data nested deeper than 1,000 levels instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(() => clone(deep)).toThrow(RangeError);
  });
});
