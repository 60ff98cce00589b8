import { IsOptional, IsString } from 'class-validator';

import { AuthorizationParamsDto } from '../authorize/authorization-params.dto';

const TEXT = { message: 'must be text' };

/** GET /auth/login: where to go after signing in, or (the published doc) an authorization request. */
export class LoginQueryDto extends AuthorizationParamsDto {
  @IsOptional() @IsString(TEXT) return_to?: string;
}

/**
 * POST /auth/login. Email and password are not checked for shape: a wrong one gets the same answer as a
 * wrong password (no hint which accounts exist). A form without email that carries an authorization
 * request is that request, POSTed.
 */
export class LoginFormDto extends LoginQueryDto {
  @IsOptional() @IsString(TEXT) email?: string;
  @IsOptional() @IsString(TEXT) password?: string;
  @IsOptional() @IsString(TEXT) csrf_token?: string;
}
