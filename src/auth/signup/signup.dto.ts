import { IsOptional, IsString } from 'class-validator';

const TEXT = { message: 'must be text' };

/** GET /auth/signup. */
export class SignupQueryDto {
  @IsOptional() @IsString(TEXT) return_to?: string;
}

/**
 * POST /auth/signup. The account rules (email shape, password policy, name length) are the users
 * service's, shared with every other way of creating an account; its field errors reach the same page.
 */
export class SignupFormDto extends SignupQueryDto {
  @IsOptional() @IsString(TEXT) name?: string;
  @IsOptional() @IsString(TEXT) email?: string;
  @IsOptional() @IsString(TEXT) password?: string;
  @IsOptional() @IsString(TEXT) csrf_token?: string;
}
