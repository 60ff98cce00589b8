import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max } from 'class-validator';

import { ValidationFailed } from '../errors/api-error';
import { AppValidationPipe } from './validation';

class OptionalQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Max(100)
  limit?: number;
}

class RequiredQuery {
  @IsString()
  q!: string;
}

const query = (metatype: new () => object): ArgumentMetadata => ({
  type: 'query',
  metatype,
  data: undefined,
});

describe('AppValidationPipe', () => {
  afterEach(() => jest.restoreAllMocks());

  it('validates an empty query once per DTO, then answers a fresh instance without re-validating', async () => {
    const pipe = new AppValidationPipe();
    const full = jest.spyOn(ValidationPipe.prototype, 'transform');
    const first = await pipe.transform({}, query(OptionalQuery));
    const second = await pipe.transform({}, query(OptionalQuery));
    expect(first).toBeInstanceOf(OptionalQuery);
    expect(second).toBeInstanceOf(OptionalQuery);
    expect(second).not.toBe(first);
    expect(full).toHaveBeenCalledTimes(1);
  });

  it('keeps refusing an empty query the DTO refuses', async () => {
    const pipe = new AppValidationPipe();
    for (let i = 0; i < 2; i++) {
      await expect(pipe.transform({}, query(RequiredQuery))).rejects.toBeInstanceOf(ValidationFailed);
    }
  });

  it('validates every non-empty query in full', async () => {
    const pipe = new AppValidationPipe();
    await pipe.transform({}, query(OptionalQuery));
    await expect(pipe.transform({ limit: '5' }, query(OptionalQuery))).resolves.toEqual({ limit: 5 });
    await expect(pipe.transform({ limit: '500' }, query(OptionalQuery))).rejects.toMatchObject({
      fields: [{ field: 'limit', messages: ['limit must not be greater than 100'] }],
    });
    await expect(pipe.transform({ other: 'x' }, query(OptionalQuery))).rejects.toBeInstanceOf(
      ValidationFailed,
    );
  });
});
