import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { Public } from '../../platform/auth/decorators';
import { type JwkSet, SigningKeysService } from '../keys/signing-keys.service';

@ApiTags('discovery')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  /**
   * RFC 7517 §5 JWK Set (RFC 8414 §2 jwks_uri). Public and cacheable. Five minutes because a verifier that
   * cached this document must see a new key long before it signs anything: a `next` key is published
   * KEY_PREPUBLISH (24 h by default) ahead, so a 300 s cache leaves a wide margin, while a key removed in an
   * emergency rotation disappears from every cache within five minutes. Verifiers that meet an unknown kid
   * refetch anyway (jose's createRemoteJWKSet does).
   */
  @Get('jwks.json')
  @ApiOperation({ summary: 'Signing keys (RFC 7517 §5 JWK Set; RFC 8414 jwks_uri)' })
  @ApiOkResponse({
    description: 'public keys: current, next (pre-published) and recently retired',
    schema: {
      type: 'object',
      required: ['keys'],
      properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } },
    },
  })
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): JwkSet {
    return this.keys.jwks();
  }
}
