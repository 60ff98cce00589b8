import { IsIn, IsOptional, IsString } from 'class-validator';

const TEXT = { message: 'must be text' };

/** POST /auth/mfa: a code from the authenticator app, or one of the recovery codes. */
export class SecondFactorFormDto {
  @IsOptional() @IsString(TEXT) return_to?: string;
  @IsOptional() @IsString(TEXT) code?: string;
  @IsOptional() @IsIn(['totp', 'recovery'], { message: 'must be totp or recovery' }) method?: string;
  @IsOptional() @IsString(TEXT) csrf_token?: string;
}
