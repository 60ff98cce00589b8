import { OmitType, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

import { type ClientView, ID_TOKEN_ALGS, type IdTokenAlg } from './clients.service';

export class CreateClientDto {
  @IsString()
  @MaxLength(100)
  name: string;

  @IsIn(['confidential', 'public'])
  type: 'confidential' | 'public';

  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  redirect_uris: string[];

  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  scopes: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  grant_types?: string[];

  /** RP-Initiated Logout 1.0 §3.1: where /oauth2/logout may send the user back to (exact match). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  post_logout_redirect_uris?: string[];

  /** OIDC Dynamic Client Registration §2; ES256 when omitted. */
  @IsOptional()
  @IsIn(ID_TOKEN_ALGS)
  id_token_signed_response_alg?: IdTokenAlg;
}

/** Every field optional; the type of a client is fixed at registration. */
export class UpdateClientDto extends PartialType(OmitType(CreateClientDto, ['type'] as const)) {}

export interface ClientResponse {
  id: string;
  client_id: string;
  name: string;
  type: string;
  redirect_uris: string[];
  grant_types: string[];
  scopes: string[];
  post_logout_redirect_uris: string[];
  id_token_signed_response_alg: IdTokenAlg;
  token_endpoint_auth_method: string;
  created_at: string;
  updated_at: string;
  /** Present only in the response that created or rotated it. */
  client_secret?: string;
}

export function toClientResponse(client: ClientView, clientSecret?: string): ClientResponse {
  return {
    id: client.id,
    client_id: client.clientId,
    name: client.name,
    type: client.type,
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    scopes: client.scopes,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    token_endpoint_auth_method: client.type === 'public' ? 'none' : 'client_secret_basic',
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
    ...(clientSecret ? { client_secret: clientSecret } : {}),
  };
}
