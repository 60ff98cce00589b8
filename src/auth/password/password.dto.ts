import { IsOptional, IsString } from 'class-validator';

const TEXT = { message: 'must be text' };

/** POST /auth/password/forgot. The address is not checked for shape: every answer is the same page. */
export class ForgotPasswordFormDto {
  @IsOptional() @IsString(TEXT) email?: string;
  @IsOptional() @IsString(TEXT) csrf_token?: string;
}

/** GET /auth/password/reset?token=… */
export class ResetPasswordQueryDto {
  @IsOptional() @IsString(TEXT) token?: string;
}

/** POST /auth/password/reset: the password policy is the users service's. */
export class ResetPasswordFormDto extends ResetPasswordQueryDto {
  @IsOptional() @IsString(TEXT) password?: string;
  @IsOptional() @IsString(TEXT) csrf_token?: string;
}
