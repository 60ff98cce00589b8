import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyExpired, ApiKeyNotFound } from '../api-keys/api-keys.errors';
import { ApiKeysService, type ApiKeyView } from '../api-keys/api-keys.service';
import { Public } from '../platform/auth/decorators';
import { sendPage } from '../platform/web/html';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConsoleAuth, seeOther, type ConsoleContext } from './console-auth';
import { ConsoleNotFound } from './console.errors';
import { fieldErrors, type FieldErrors } from '../platform/forms/field-errors';
import { isUuid, queryParam } from '../platform/forms/form';
import { OneTimeSecrets } from './one-time-secrets';
import {
  apiKeysPage,
  newApiKeyPage,
  revokeApiKeyPage,
  rollApiKeyPage,
  type ApiKeyFormValues,
  type ApiKeysPageView,
} from './views/api-keys.view';

const KEY_FIELDS = ['name', 'scopes', 'expires_on'];

const NOTICES: Record<string, string> = {
  created: 'API key created.',
  rolled: 'API key rolled.',
  revoked: 'API key revoked. Calls made with it are refused from now on.',
};

/**
 * `YYYY-MM-DD` → the end of that day in UTC (the first instant of the next day), or a message.
 * The date input sends exactly this shape; anything else is a hand-made request.
 */
export function parseExpiryDate(value: string, now = Date.now()): Date | null | string {
  if (value === '') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return 'Expiry date must be a date like 2030-12-31.';
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const start = new Date(Date.UTC(year, month - 1, day));
  if (start.getUTCFullYear() !== year || start.getUTCMonth() !== month - 1 || start.getUTCDate() !== day)
    return 'Expiry date must be a real date.';
  const end = new Date(start.getTime() + 24 * 3600 * 1000);
  if (end.getTime() <= now) return 'Expiry date must be today or later.';
  return end;
}

/** The developer's API keys: list, create, roll, revoke. Keys are shown once, right after the POST. */
@Controller('console/api-keys')
@Public() // Pages check the session themselves: signed out → the login page, not a JSON 401.
export class ConsoleApiKeysController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: ConsoleAuth,
    private readonly keys: ApiKeysService,
    private readonly secrets: OneTimeSecrets,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const keys = await this.keys.list(ctx.user.id);
    const flashId = queryParam(req.query, 'secret');
    const flash = this.secrets.take(ctx.session.idHash, flashId);
    let fresh: ApiKeysPageView['fresh'];
    if (flash?.kind === 'api_key') {
      const key = keys.find((k) => k.id === flash.keyId);
      if (key) {
        fresh = {
          key,
          secret: flash.secret,
          previousKeyExpiresAt: flash.previousKeyExpiresAt,
          previousPrefix: flash.previousPrefix,
        };
      }
    }
    const page = apiKeysPage(ctx, {
      keys,
      now: Date.now(),
      message: NOTICES[queryParam(req.query, 'notice') ?? ''],
      fresh,
      secretGone: flashId !== undefined && fresh === undefined,
    });
    return sendPage(reply, page);
  }

  @Get('new')
  async newForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const blank: ApiKeyFormValues = { name: '', scopes: ['read:user', 'read:projects'], expiresOn: '' };
    return sendPage(reply, newApiKeyPage(ctx, blank));
  }

  @Post()
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { ctx, form } = await this.auth.requireForm(req, reply, '/console/api-keys/new');
    const v: ApiKeyFormValues = {
      name: form.text('name'),
      scopes: form.list('scopes'),
      expiresOn: form.text('expires_on').trim(),
    };
    const errors: FieldErrors = {};
    const expiresAt = parseExpiryDate(v.expiresOn);
    if (typeof expiresAt === 'string') errors.expires_on = expiresAt;
    if (v.scopes.length === 0) errors.scopes = 'Choose at least one scope: a key without one can do nothing.';
    if (Object.keys(errors).length) return sendPage(reply, newApiKeyPage(ctx, v, errors), 400);
    try {
      const issued = await this.keys.create({
        userId: ctx.user.id,
        name: v.name,
        scopes: v.scopes,
        expiresAt: expiresAt as Date | null,
      });
      const flash = this.secrets.put(ctx.session.idHash, {
        kind: 'api_key',
        keyId: issued.key.id,
        secret: issued.secret,
      });
      return seeOther(reply, `/console/api-keys?notice=created&secret=${flash}`);
    } catch (error) {
      const fields = fieldErrors(error, KEY_FIELDS, { expires_at: 'expires_on' });
      if (!fields) throw error;
      return sendPage(reply, newApiKeyPage(ctx, v, fields), 400);
    }
  }

  @Get(':id/roll')
  async confirmRoll(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const key = await this.owned(ctx, id);
    const now = Date.now();
    return sendPage(reply, rollApiKeyPage(ctx, key, this.oldKeyDiesAt(key, now), now));
  }

  @Post(':id/roll')
  async roll(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const { ctx } = await this.auth.requireForm(req, reply, `/console/api-keys/${id}/roll`);
    const key = await this.owned(ctx, id);
    try {
      const rolled = await this.keys.roll(ctx.user.id, key.id);
      const flash = this.secrets.put(ctx.session.idHash, {
        kind: 'api_key',
        keyId: rolled.key.id,
        secret: rolled.secret,
        previousKeyExpiresAt: rolled.previousKeyExpiresAt,
        previousPrefix: key.prefix,
      });
      return seeOther(reply, `/console/api-keys?notice=rolled&secret=${flash}`);
    } catch (error) {
      if (error instanceof ApiKeyNotFound) throw new ConsoleNotFound('API key');
      if (!(error instanceof ApiKeyExpired)) throw error;
      const now = Date.now();
      const page = rollApiKeyPage(
        ctx,
        key,
        this.oldKeyDiesAt(key, now),
        now,
        'This key has expired, so it cannot be rolled: create a new key instead.',
      );
      return sendPage(reply, page, 409);
    }
  }

  @Get(':id/revoke')
  async confirmRevoke(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const key = await this.owned(ctx, id);
    return sendPage(reply, revokeApiKeyPage(ctx, key, Date.now()));
  }

  @Post(':id/revoke')
  async revoke(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const { ctx } = await this.auth.requireForm(req, reply, `/console/api-keys/${id}/revoke`);
    if (!isUuid(id)) throw new ConsoleNotFound('API key');
    try {
      await this.keys.revoke(ctx.user.id, id);
    } catch (error) {
      if (error instanceof ApiKeyNotFound) throw new ConsoleNotFound('API key');
      throw error;
    }
    return seeOther(reply, '/console/api-keys?notice=revoked');
  }

  /** What ApiKeysService.roll will do: the old key lives for the overlap, never past its own expiry. */
  private oldKeyDiesAt(key: ApiKeyView, now: number): Date {
    const overlapEnd = now + this.config.apiKeyRollOverlap * 1000;
    return key.expiresAt && key.expiresAt.getTime() < overlapEnd ? key.expiresAt : new Date(overlapEnd);
  }

  /** ApiKeysService has no single-key read: the owner's list is short, so pick from it. */
  private async owned(ctx: ConsoleContext, id: string): Promise<ApiKeyView> {
    const key = isUuid(id) ? (await this.keys.list(ctx.user.id)).find((k) => k.id === id) : undefined;
    if (!key) throw new ConsoleNotFound('API key');
    return key;
  }
}
