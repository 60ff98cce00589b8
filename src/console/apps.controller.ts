import { Get, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ClientsService, type ClientView, DEVICE_CODE } from '../clients/clients.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { NotFound } from '../platform/errors/api-error';
import { type FieldErrors, fieldErrors } from '../platform/forms/field-errors';
import { QueryText } from '../platform/forms/form';
import { FormBody, type SubmittedForm } from '../platform/forms/form-body';
import { UuidParamPipe } from '../platform/forms/uuid-param.pipe';
import { seeOther, sendPage } from '../platform/web/html';
import { SignInReturnsTo } from '../platform/web/page.decorator';
import { CreateAppForm, UpdateAppForm } from './console.dto';
import { ConsoleNotFound } from './console.errors';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { OneTimeSecrets } from './one-time-secrets';
import { appSnippets } from './snippets';
import {
  type AppFormValues,
  appFormValues,
  appPage,
  appsPage,
  deleteAppPage,
  newAppPage,
  rotateSecretPage,
} from './views/apps.view';

const NOTICES: Record<string, string> = {
  created: 'App created.',
  saved: 'Changes saved.',
  rotated: 'Secret rotated.',
  deleted: 'App deleted. Its client ID no longer works.',
};

/** A malformed id is an app that does not exist. */
const appId = new UuidParamPipe(() => new ConsoleNotFound('app'));

function shown(v: UpdateAppForm, type: string): AppFormValues {
  return {
    name: v.name,
    type,
    redirectUris: v.redirect_uris.join('\n'),
    scopes: v.scopes,
    postLogoutRedirectUris: v.post_logout_redirect_uris.join('\n'),
    idTokenAlg: v.id_token_signed_response_alg || 'ES256',
    deviceFlow: v.device_flow === 'on',
    dpopBound: v.dpop_bound_access_tokens === 'on',
  };
}

/** The app's grant types with the device flow (RFC 8628) switched as the form says; the rest kept. */
function withDeviceFlow(grantTypes: readonly string[], on: boolean): string[] {
  const others = grantTypes.filter((g) => g !== DEVICE_CODE);
  return on ? [...others, DEVICE_CODE] : others;
}

/** OAuth apps the developer owns: list, create, edit, rotate the secret, delete. */
@ConsolePages('apps')
export class ConsoleAppsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientsService,
    private readonly secrets: OneTimeSecrets,
  ) {}

  @Get()
  async list(
    @ConsoleUser() ctx: ConsoleContext,
    @QueryText('notice') notice: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const apps = await this.clients.listOwned(ctx.user.id);
    return sendPage(reply, appsPage(ctx, apps, NOTICES[notice ?? '']));
  }

  @Get('new')
  newForm(@ConsoleUser() ctx: ConsoleContext, @Res() reply: FastifyReply): FastifyReply {
    const blank = {
      name: '',
      type: 'confidential',
      redirectUris: '',
      scopes: ['read:user'],
      postLogoutRedirectUris: '',
      idTokenAlg: 'ES256',
      deviceFlow: false,
    };
    return sendPage(reply, newAppPage(ctx, blank));
  }

  @Post()
  @SignInReturnsTo('/console/apps/new')
  async create(
    @ConsoleUser() ctx: ConsoleContext,
    @FormBody(CreateAppForm) form: SubmittedForm<CreateAppForm>,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const v = form.values;
    if (!form.valid) return sendPage(reply, newAppPage(ctx, shown(v, v.type), form.errors), 400);
    try {
      const { client, clientSecret } = await this.clients.register({
        name: v.name,
        type: v.type as ClientView['type'],
        redirectUris: v.redirect_uris,
        scopes: v.scopes,
        postLogoutRedirectUris: v.post_logout_redirect_uris,
        idTokenSignedResponseAlg: v.id_token_signed_response_alg || undefined,
        grantTypes: withDeviceFlow(['authorization_code', 'refresh_token'], v.device_flow === 'on'),
        dpopBoundAccessTokens: v.dpop_bound_access_tokens === 'on',
        ownerId: ctx.user.id,
      });
      const secret = clientSecret
        ? `&secret=${this.secrets.put(ctx.sessionId, { kind: 'client_secret', appId: client.id, secret: clientSecret })}`
        : '';
      return seeOther(reply, `/console/apps/${client.id}?notice=created${secret}`);
    } catch (error) {
      const errors = fieldErrors(error, form.fields);
      if (!errors) throw error;
      return sendPage(reply, newAppPage(ctx, shown(v, v.type), errors), 400);
    }
  }

  @Get(':id')
  async show(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', appId) id: string,
    @QueryText('notice') notice: string | undefined,
    @QueryText('secret') flashId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const app = await this.owned(ctx, id);
    const flash = this.secrets.take(ctx.sessionId, flashId);
    const secret = flash?.kind === 'client_secret' && flash.appId === app.id ? flash.secret : undefined;
    const page = appPage(ctx, {
      app,
      snippets: appSnippets(ctx.issuer, app),
      form: appFormValues(app),
      message: NOTICES[notice ?? ''],
      secret,
      secretGone: flashId !== undefined && secret === undefined,
    });
    return sendPage(reply, page);
  }

  @Post(':id')
  @SignInReturnsTo('/console/apps/:id')
  async update(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', appId) id: string,
    @FormBody(UpdateAppForm) form: SubmittedForm<UpdateAppForm>,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const app = await this.owned(ctx, id);
    const v = form.values;
    const invalidPage = (errors: FieldErrors) =>
      sendPage(
        reply,
        appPage(ctx, { app, snippets: appSnippets(ctx.issuer, app), form: shown(v, app.type), errors }),
        400,
      );
    if (!form.valid) return invalidPage(form.errors);
    try {
      await this.clients.update(ctx.user.id, app.id, {
        name: v.name,
        redirectUris: v.redirect_uris,
        scopes: v.scopes,
        postLogoutRedirectUris: v.post_logout_redirect_uris,
        idTokenSignedResponseAlg: v.id_token_signed_response_alg || undefined,
        grantTypes: withDeviceFlow(app.grantTypes, v.device_flow === 'on'),
        dpopBoundAccessTokens: v.dpop_bound_access_tokens === 'on',
      });
    } catch (error) {
      const errors = fieldErrors(error, form.fields);
      if (!errors) throw error;
      return invalidPage(errors);
    }
    return seeOther(reply, `/console/apps/${app.id}?notice=saved`);
  }

  @Get(':id/rotate-secret')
  async confirmRotate(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', appId) id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const app = await this.owned(ctx, id);
    if (app.type !== 'confidential') return seeOther(reply, `/console/apps/${app.id}`);
    return sendPage(reply, rotateSecretPage(ctx, app, this.config.clientSecretRotationOverlap));
  }

  @Post(':id/rotate-secret')
  async rotate(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', appId) id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const app = await this.owned(ctx, id);
    if (app.type !== 'confidential') return seeOther(reply, `/console/apps/${app.id}`);
    const { clientSecret } = await this.clients.rotateSecret(ctx.user.id, app.id);
    const flash = this.secrets.put(ctx.sessionId, {
      kind: 'client_secret',
      appId: app.id,
      secret: clientSecret,
    });
    return seeOther(reply, `/console/apps/${app.id}?notice=rotated&secret=${flash}`);
  }

  @Get(':id/delete')
  async confirmDelete(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', appId) id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const app = await this.owned(ctx, id);
    return sendPage(reply, deleteAppPage(ctx, app, this.config.accessTokenTtl));
  }

  @Post(':id/delete')
  async delete(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', appId) id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const app = await this.owned(ctx, id);
    await this.clients.delete(ctx.user.id, app.id);
    return seeOther(reply, '/console/apps?notice=deleted');
  }

  /** The developer's own app; another user's app is indistinguishable from a missing one (404). */
  private async owned(ctx: ConsoleContext, id: string): Promise<ClientView> {
    try {
      return await this.clients.getOwned(ctx.user.id, id);
    } catch (error) {
      if (error instanceof NotFound) throw new ConsoleNotFound('app');
      throw error;
    }
  }
}
