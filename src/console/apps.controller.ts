import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService, type ClientView } from '../clients/clients.service';
import { Public } from '../platform/auth/decorators';
import { NotFound } from '../platform/errors/api-error';
import { sendPage } from '../platform/web/html';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConsoleAuth, seeOther, type ConsoleContext } from './console-auth';
import { ConsoleNotFound } from './console.errors';
import { fieldErrors, type FieldErrors } from '../platform/forms/field-errors';
import { isUuid, queryParam, type ConsoleForm } from '../platform/forms/form';
import { OneTimeSecrets } from './one-time-secrets';
import { appSnippets } from './snippets';
import {
  appFormValues,
  appPage,
  appsPage,
  deleteAppPage,
  newAppPage,
  rotateSecretPage,
  type AppFormValues,
} from './views/apps.view';

const APP_FIELDS = [
  'name',
  'type',
  'redirect_uris',
  'scopes',
  'post_logout_redirect_uris',
  'id_token_signed_response_alg',
];

const NOTICES: Record<string, string> = {
  created: 'App created.',
  saved: 'Changes saved.',
  rotated: 'Secret rotated.',
  deleted: 'App deleted. Its client ID no longer works.',
};

function values(form: ConsoleForm): AppFormValues {
  return {
    name: form.text('name'),
    type: form.text('type'),
    redirectUris: form.lines('redirect_uris').join('\n'),
    scopes: form.list('scopes'),
    postLogoutRedirectUris: form.lines('post_logout_redirect_uris').join('\n'),
    idTokenAlg: form.text('id_token_signed_response_alg') || 'ES256',
  };
}

/** Checks the services do not make (the API allows them, the console's form asks for them). */
function formProblems(v: AppFormValues, checkType: boolean): FieldErrors {
  const errors: FieldErrors = {};
  if (checkType && v.type !== 'confidential' && v.type !== 'public') errors.type = 'Choose the kind of app.';
  if (v.redirectUris === '')
    errors.redirect_uris = 'Add at least one redirect URI: where people come back after signing in.';
  if (v.scopes.length === 0) errors.scopes = 'Choose at least one scope: an app without one can do nothing.';
  return errors;
}

/** OAuth apps the developer owns: list, create, edit, rotate the secret, delete. */
@Controller('console/apps')
@Public() // Pages check the session themselves: signed out → the login page, not a JSON 401.
export class ConsoleAppsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: ConsoleAuth,
    private readonly clients: ClientsService,
    private readonly secrets: OneTimeSecrets,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const apps = await this.clients.listOwned(ctx.user.id);
    return sendPage(reply, appsPage(ctx, apps, NOTICES[queryParam(req.query, 'notice') ?? '']));
  }

  @Get('new')
  async newForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const blank = {
      name: '',
      type: 'confidential',
      redirectUris: '',
      scopes: ['read:user'],
      postLogoutRedirectUris: '',
      idTokenAlg: 'ES256',
    };
    return sendPage(reply, newAppPage(ctx, blank));
  }

  @Post()
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { ctx, form } = await this.auth.requireForm(req, reply, '/console/apps/new');
    const v = values(form);
    const problems = formProblems(v, true);
    if (Object.keys(problems).length) return sendPage(reply, newAppPage(ctx, v, problems), 400);
    try {
      const { client, clientSecret } = await this.clients.register({
        name: v.name,
        type: v.type as ClientView['type'],
        redirectUris: form.lines('redirect_uris'),
        scopes: v.scopes,
        postLogoutRedirectUris: form.lines('post_logout_redirect_uris'),
        idTokenSignedResponseAlg: v.idTokenAlg,
        ownerId: ctx.user.id,
      });
      const secret = clientSecret
        ? `&secret=${this.secrets.put(ctx.session.idHash, { kind: 'client_secret', appId: client.id, secret: clientSecret })}`
        : '';
      return seeOther(reply, `/console/apps/${client.id}?notice=created${secret}`);
    } catch (error) {
      const errors = fieldErrors(error, APP_FIELDS);
      if (!errors) throw error;
      return sendPage(reply, newAppPage(ctx, v, errors), 400);
    }
  }

  @Get(':id')
  async show(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const app = await this.owned(ctx, id);
    const flashId = queryParam(req.query, 'secret');
    const flash = this.secrets.take(ctx.session.idHash, flashId);
    const secret = flash?.kind === 'client_secret' && flash.appId === app.id ? flash.secret : undefined;
    const page = appPage(ctx, {
      app,
      snippets: appSnippets(ctx.issuer, app),
      form: appFormValues(app),
      message: NOTICES[queryParam(req.query, 'notice') ?? ''],
      secret,
      secretGone: flashId !== undefined && secret === undefined,
    });
    return sendPage(reply, page);
  }

  @Post(':id')
  async update(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const { ctx, form } = await this.auth.requireForm(req, reply, `/console/apps/${id}`);
    const app = await this.owned(ctx, id);
    const v = { ...values(form), type: app.type };
    const problems = formProblems(v, false);
    const invalidPage = (errors: FieldErrors) =>
      sendPage(reply, appPage(ctx, { app, snippets: appSnippets(ctx.issuer, app), form: v, errors }), 400);
    if (Object.keys(problems).length) return invalidPage(problems);
    try {
      await this.clients.update(ctx.user.id, app.id, {
        name: v.name,
        redirectUris: form.lines('redirect_uris'),
        scopes: v.scopes,
        postLogoutRedirectUris: form.lines('post_logout_redirect_uris'),
        idTokenSignedResponseAlg: v.idTokenAlg,
      });
    } catch (error) {
      const errors = fieldErrors(error, APP_FIELDS);
      if (!errors) throw error;
      return invalidPage(errors);
    }
    return seeOther(reply, `/console/apps/${app.id}?notice=saved`);
  }

  @Get(':id/rotate-secret')
  async confirmRotate(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const app = await this.owned(ctx, id);
    if (app.type !== 'confidential') return seeOther(reply, `/console/apps/${app.id}`);
    return sendPage(reply, rotateSecretPage(ctx, app, this.config.clientSecretRotationOverlap));
  }

  @Post(':id/rotate-secret')
  async rotate(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const { ctx } = await this.auth.requireForm(req, reply, `/console/apps/${id}/rotate-secret`);
    const app = await this.owned(ctx, id);
    if (app.type !== 'confidential') return seeOther(reply, `/console/apps/${app.id}`);
    const { clientSecret } = await this.clients.rotateSecret(ctx.user.id, app.id);
    const flash = this.secrets.put(ctx.session.idHash, {
      kind: 'client_secret',
      appId: app.id,
      secret: clientSecret,
    });
    return seeOther(reply, `/console/apps/${app.id}?notice=rotated&secret=${flash}`);
  }

  @Get(':id/delete')
  async confirmDelete(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const app = await this.owned(ctx, id);
    return sendPage(reply, deleteAppPage(ctx, app, this.config.accessTokenTtl));
  }

  @Post(':id/delete')
  async delete(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const { ctx } = await this.auth.requireForm(req, reply, `/console/apps/${id}/delete`);
    const app = await this.owned(ctx, id);
    await this.clients.delete(ctx.user.id, app.id);
    return seeOther(reply, '/console/apps?notice=deleted');
  }

  /** The developer's own app; another user's app is indistinguishable from a missing one (404). */
  private async owned(ctx: ConsoleContext, id: string): Promise<ClientView> {
    if (!isUuid(id)) throw new ConsoleNotFound('app');
    try {
      return await this.clients.getOwned(ctx.user.id, id);
    } catch (error) {
      if (error instanceof NotFound) throw new ConsoleNotFound('app');
      throw error;
    }
  }
}
