import { parseForm } from '../http/body-parsers';
import { ConsoleForm, queryParam } from './form';

describe('ConsoleForm', () => {
  const form = ConsoleForm.from(
    parseForm(
      'name=My+app&scopes=read%3Auser&scopes=read%3Aprojects&scopes=read%3Auser&type=a&type=b' +
        '&redirect_uris=https%3A%2F%2Fa.example%2Fcb%0D%0A%0D%0A++https%3A%2F%2Fb.example%2Fcb++%0A',
    ),
  );

  it('reads single fields, and a repeated single field as missing', () => {
    expect(form.text('name')).toBe('My app');
    expect(form.text('type')).toBe('');
    expect(form.text('absent')).toBe('');
  });

  it('reads checkboxes as a de-duplicated list', () => {
    expect(form.list('scopes')).toEqual(['read:user', 'read:projects']);
    expect(form.list('name')).toEqual(['My app']);
    expect(form.list('absent')).toEqual([]);
  });

  it('reads a textarea one trimmed entry per line, whatever the line ending', () => {
    expect(form.lines('redirect_uris')).toEqual(['https://a.example/cb', 'https://b.example/cb']);
  });

  it('ignores bodies that are not forms', () => {
    expect(ConsoleForm.from(undefined).text('x')).toBe('');
    expect(ConsoleForm.from('x=1').text('x')).toBe('');
    expect(ConsoleForm.from({ x: { nested: true }, y: [1, 2] }).list('y')).toEqual([]);
  });
});

describe('queryParam', () => {
  it('takes only short plain strings from the query', () => {
    expect(queryParam({ notice: 'saved' }, 'notice')).toBe('saved');
    expect(queryParam({ notice: ['a', 'b'] }, 'notice')).toBeUndefined();
    expect(queryParam({ notice: 'x'.repeat(101) }, 'notice')).toBeUndefined();
    expect(queryParam(undefined, 'notice')).toBeUndefined();
  });
});
