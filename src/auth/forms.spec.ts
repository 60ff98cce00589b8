import { IsIn, IsOptional, IsString } from 'class-validator';

import { ValidationFailed } from '../platform/errors/api-error';
import { FormDtoPipe, serviceFieldErrors } from './forms';

class ExampleForm {
  @IsOptional() @IsString({ message: 'must be text' }) email?: string;
  @IsIn(['approve', 'deny'], { message: 'must be Allow or Deny' }) decision?: string;
}

describe('FormDtoPipe', () => {
  const pipe = new FormDtoPipe(ExampleForm);

  it('returns the DTO without the fields it does not declare (whitelist)', async () => {
    const { form, errors } = await pipe.transform({ email: 'a@example.com', decision: 'deny', extra: 'x' });
    expect(form).toBeInstanceOf(ExampleForm);
    expect(form).toMatchObject({ email: 'a@example.com', decision: 'deny' });
    expect(form).not.toHaveProperty('extra');
    expect(errors).toEqual({});
  });

  it('turns constraint failures into one sentence per field, without throwing', async () => {
    const { errors } = await pipe.transform({ email: 7, decision: 'maybe' });
    expect(errors).toEqual({ email: 'Email must be text.', decision: 'This field must be Allow or Deny.' });
  });
});

describe('serviceFieldErrors', () => {
  it("labels the users service's field messages", () => {
    const error = new ValidationFailed([
      { field: 'password', messages: ['must be at least 8 characters'] },
      { field: 'email', messages: ['must be a valid email address'] },
    ]);
    expect(serviceFieldErrors(error)).toEqual({
      password: 'Password must be at least 8 characters.',
      email: 'Email must be a valid email address.',
    });
  });
});
