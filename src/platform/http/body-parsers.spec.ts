import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from './body-parsers';

describe('jsonNestsDeeperThan', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it('counts arrays and objects alike, up to the limit inclusive', () => {
    expect(jsonNestsDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonNestsDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    const objects = (depth: number) => '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);
    expect(jsonNestsDeeperThan(objects(4), 4)).toBe(false);
    expect(jsonNestsDeeperThan(objects(5), 4)).toBe(true);
    expect(jsonNestsDeeperThan('[{"a":[{"b":[]}]}]', 4)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: '[[[[[[{{{{{{', b: ['\\"[[[[[[[[', '"{{{{{{{{{'] });
    expect(jsonNestsDeeperThan(text, 2)).toBe(false);
  });

  it('measures depth, not the number of brackets: wide documents pass', () => {
    expect(jsonNestsDeeperThan(JSON.stringify(Array.from({ length: 500 }, () => [[1]])), 3)).toBe(false);
  });
});
