import { Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ApiKeyExpired, ApiKeyNotFound } from '../api-keys/api-keys.errors';
import { ApiKeysService, type ApiKeyView } from '../api-keys/api-keys.service';
import { RecentFactor, stepUpPath } from '../auth/mfa/recent-factor';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { fieldErrors } from '../platform/forms/field-errors';
import { QueryText } from '../platform/forms/form';
import { FormBody, type SubmittedForm } from '../platform/forms/form-body';
import { UuidParamPipe } from '../platform/forms/uuid-param.pipe';
import { seeOther, sendPage } from '../platform/web/html';
import { SignInReturnsTo } from '../platform/web/page.decorator';
import { CreateApiKeyForm, parseExpiryDate } from './console.dto';
import { ConsoleNotFound } from './console.errors';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { OneTimeSecrets } from './one-time-secrets';
import {
  type ApiKeyFormValues,
  apiKeysPage,
  type ApiKeysPageView,
  newApiKeyPage,
  revokeApiKeyPage,
  rollApiKeyPage,
} from './views/api-keys.view';

const NOTICES: Record<string, string> = {
  created: 'API key created.',
  rolled: 'API key rolled.',
  revoked: 'API key revoked. Calls made with it are refused from now on.',
};

/** A malformed id is a key that does not exist. */
const keyId = new UuidParamPipe(() => new ConsoleNotFound('API key'));

function shown(v: CreateApiKeyForm): ApiKeyFormValues {
  return { name: v.name, scopes: v.scopes, expiresOn: v.expires_on };
}

/** The developer's API keys: list, create, roll, revoke. Keys are shown once, right after the POST. */
@ConsolePages('api-keys')
export class ConsoleApiKeysController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: ApiKeysService,
    private readonly secrets: OneTimeSecrets,
    private readonly recent: RecentFactor,
  ) {}

  @Get()
  async list(
    @ConsoleUser() ctx: ConsoleContext,
    @QueryText('notice') notice: string | undefined,
    @QueryText('secret') flashId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const keys = await this.keys.list(ctx.user.id);
    const flash = this.secrets.take(ctx.sessionId, flashId);
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
      message: NOTICES[notice ?? ''],
      fresh,
      secretGone: flashId !== undefined && fresh === undefined,
    });
    return sendPage(reply, page);
  }

  @Get('new')
  newForm(@ConsoleUser() ctx: ConsoleContext, @Res() reply: FastifyReply): FastifyReply {
    const blank: ApiKeyFormValues = { name: '', scopes: ['read:user', 'read:projects'], expiresOn: '' };
    return sendPage(reply, newApiKeyPage(ctx, blank));
  }

  @Post()
  @SignInReturnsTo('/console/api-keys/new')
  async create(
    @ConsoleUser() ctx: ConsoleContext,
    @FormBody(CreateApiKeyForm) form: SubmittedForm<CreateApiKeyForm>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const v = form.values;
    if (!form.valid) return sendPage(reply, newApiKeyPage(ctx, shown(v), form.errors), 400);
    // A key that can write acts without any further sign-in: ask for a recent second factor first.
    if (v.scopes.some((s) => s.startsWith('write:')) && !(await this.recent.satisfied(req, ctx.user.id))) {
      return seeOther(reply, stepUpPath('/console/api-keys/new'));
    }
    // Valid a moment ago; read once more here, as midnight may have passed since.
    const expiresAt = parseExpiryDate(v.expires_on);
    if (typeof expiresAt === 'string') {
      return sendPage(reply, newApiKeyPage(ctx, shown(v), { expires_on: expiresAt }), 400);
    }
    try {
      const issued = await this.keys.create({
        userId: ctx.user.id,
        name: v.name,
        scopes: v.scopes,
        expiresAt,
      });
      const flash = this.secrets.put(ctx.sessionId, {
        kind: 'api_key',
        keyId: issued.key.id,
        secret: issued.secret,
      });
      return seeOther(reply, `/console/api-keys?notice=created&secret=${flash}`);
    } catch (error) {
      const fields = fieldErrors(error, form.fields, { expires_at: 'expires_on' });
      if (!fields) throw error;
      return sendPage(reply, newApiKeyPage(ctx, shown(v), fields), 400);
    }
  }

  @Get(':id/roll')
  async confirmRoll(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', keyId) id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const key = await this.owned(ctx, id);
    const now = Date.now();
    return sendPage(reply, rollApiKeyPage(ctx, key, this.oldKeyDiesAt(key, now), now));
  }

  @Post(':id/roll')
  async roll(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', keyId) id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const key = await this.owned(ctx, id);
    try {
      const rolled = await this.keys.roll(ctx.user.id, key.id);
      const flash = this.secrets.put(ctx.sessionId, {
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
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', keyId) id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const key = await this.owned(ctx, id);
    return sendPage(reply, revokeApiKeyPage(ctx, key, Date.now()));
  }

  @Post(':id/revoke')
  async revoke(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', keyId) id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
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
    const key = (await this.keys.list(ctx.user.id)).find((k) => k.id === id);
    if (!key) throw new ConsoleNotFound('API key');
    return key;
  }
}
