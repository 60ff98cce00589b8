import { derived } from './derived';

describe('derived', () => {
  it('maps each source object once and returns the same frozen result', () => {
    const map = jest.fn((s: { n: number }) => ({ doubled: s.n * 2 }));
    const view = derived(map);
    const a = { n: 1 };
    const first = view(a);
    expect(view(a)).toBe(first);
    expect(first).toEqual({ doubled: 2 });
    expect(Object.isFrozen(first)).toBe(true);
    expect(map).toHaveBeenCalledTimes(1);
  });

  it('keys by identity: an equal but different source (a fresh load) is mapped again', () => {
    const view = derived((s: { n: number }) => ({ n: s.n }));
    expect(view({ n: 1 })).not.toBe(view({ n: 1 }));
  });
});
