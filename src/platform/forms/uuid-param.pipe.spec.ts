import { ValidationFailed } from '../errors/api-error';
import { UuidParamPipe } from './uuid-param.pipe';

const meta = { type: 'param', data: 'id' } as const;

describe('UuidParamPipe', () => {
  it('passes version 4 UUIDs through', async () => {
    const id = '4f8a1c2e-0b1d-4c55-9a7e-2f3b4c5d6e7f';
    await expect(new UuidParamPipe().transform(id, meta)).resolves.toBe(id);
  });

  it('answers anything else with the API field error, before any database work', async () => {
    for (const id of ['not-a-uuid', "4f8a1c2e-0b1d-4c55-9a7e-2f3b4c5d6e7f' or 1=1", '123']) {
      const error = await new UuidParamPipe().transform(id, meta).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationFailed);
      expect((error as ValidationFailed).toJSON()).toEqual({
        error: 'invalid_request',
        error_description: 'invalid fields: id',
        fields: [{ field: 'id', messages: ['must be a UUID'] }],
      });
    }
  });

  it('lets a page answer with its own error (a 404 page)', async () => {
    class Missing extends Error {}
    const pipe = new UuidParamPipe(() => new Missing());
    await expect(pipe.transform('nope', meta)).rejects.toBeInstanceOf(Missing);
  });
});
