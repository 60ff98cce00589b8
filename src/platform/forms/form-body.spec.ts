import { ArrayNotEmpty, IsIn } from 'class-validator';

import { parseForm } from '../http/body-parsers';
import { FormLines, FormList, FormPipe, FormText } from './form-body';

class BaseForm {
  @FormText()
  name = '';

  @FormList()
  @ArrayNotEmpty({ message: 'Choose at least one scope.' })
  scopes: string[] = [];
}

class AppForm extends BaseForm {
  @FormText()
  @IsIn(['a', 'b'], { message: 'Choose the kind.' })
  type = '';

  @FormLines()
  uris: string[] = [];

  @FormText({ trim: true })
  when = '';
}

describe('FormPipe', () => {
  const pipe = new FormPipe(AppForm);

  it('reads each declared field by its kind, base class fields included', async () => {
    const form = await pipe.transform(
      parseForm(
        'name=My+%3Capp%3E&scopes=x&scopes=y&scopes=x&scopes=&type=a&uris=https%3A%2F%2Fa%0D%0A%0D%0A+b+&when=+2030-01-01+' +
          '&csrf_token=t&extra=1',
      ),
    );
    expect(form.valid).toBe(true);
    expect(form.errors).toEqual({});
    expect(form.values).toBeInstanceOf(AppForm);
    expect({ ...form.values }).toEqual({
      name: 'My <app>',
      scopes: ['x', 'y'],
      type: 'a',
      uris: ['https://a', 'b'],
      when: '2030-01-01',
    });
    expect(form.fields).toEqual(['name', 'scopes', 'type', 'uris', 'when']);
  });

  it('reports every failing field at once and keeps the values to show the form again', async () => {
    const form = await pipe.transform(parseForm('name=kept&type=a&type=b'));
    expect(form.valid).toBe(false);
    expect(form.errors).toEqual({ scopes: 'Choose at least one scope.', type: 'Choose the kind.' });
    expect(form.values.name).toBe('kept');
    // A single field sent twice is not a choice between the two: it reads as missing.
    expect(form.values.type).toBe('');
  });

  it('treats a body that is not a form as an empty form, never as a crash', async () => {
    for (const body of [undefined, null, 'name=x', [1, 2], { name: { nested: true }, scopes: [1] }]) {
      const form = await pipe.transform(body);
      expect(form.values.name).toBe('');
      expect(form.values.scopes).toEqual([]);
      expect(form.valid).toBe(false);
    }
  });
});
