import { IsIn, IsOptional, IsString } from 'class-validator';

import { AuthorizationParamsDto } from '../authorize/authorization-params.dto';

export const CONSENT_DECISIONS = ['approve', 'deny'] as const;
export type ConsentDecision = (typeof CONSENT_DECISIONS)[number];

/**
 * POST /auth/consent: the decision and the authorization request the page carried in hidden fields,
 * which is re-validated like any other user input.
 */
export class ConsentFormDto extends AuthorizationParamsDto {
  @IsIn(CONSENT_DECISIONS, { message: 'must be Allow or Deny' }) decision?: ConsentDecision;
  @IsOptional() @IsString({ message: 'must be text' }) csrf_token?: string;
}
