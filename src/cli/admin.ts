import { existsSync, readFileSync } from 'node:fs';

import { type DynamicModule, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';

import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditModule } from '../audit/audit.module';
import { AuditService } from '../audit/audit.service';
import { IdentityProvidersModule } from '../auth/idp/identity-providers.module';
import { IdentityProvidersService, type IdentityProviderView } from '../auth/idp/identity-providers.service';
import { PROVIDER_TYPES } from '../auth/idp/presets';
import { ClientsModule } from '../clients/clients.module';
import { ClientsService, TOKEN_EXCHANGE } from '../clients/clients.service';
import { RegistrationServiceModule } from '../clients/registration/registration.module';
import { RegistrationService } from '../clients/registration/registration.service';
import { type AppConfig, ConfigError, loadConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { checkDump, DumpError, exportDatabase, importDatabase } from '../database/dump';
import { EmbeddedDatabaseLockedError } from '../database/embedded-database-locked.error';
import { ApiError, ValidationFailed } from '../platform/errors/api-error';
import { PlatformModule } from '../platform/platform.module';
import { ResourcesModule } from '../resources/resources.module';
import { ResourcesService } from '../resources/resources.service';
import { JwtTokensModule } from '../tokens/jwt/jwt-tokens.module';
import { SigningKeysService } from '../tokens/keys/signing-keys.service';
import { UsersModule } from '../users/users.module';
import { UsersService } from '../users/users.service';
import { all, flag, type Flags, type FlagSpec, optional, parseFlags, required, UsageError } from './args';

/** The operator's tool: same configuration as the server, no HTTP. Output: one JSON object on stdout. */
type Command = (app: INestApplicationContext, flags: Flags) => Promise<unknown>;

async function ownerId(app: INestApplicationContext, email: string | undefined): Promise<string | null> {
  if (!email) return null;
  const user = await app.get(UsersService).findByEmail(email);
  if (!user) throw new UsageError(`no user with email ${email}`);
  return user.id;
}

function providerJson(p: IdentityProviderView): Record<string, unknown> {
  return {
    id: p.id,
    slug: p.slug,
    type: p.type,
    name: p.name,
    issuer: p.issuer,
    client_id: p.clientId,
    scope: p.scope,
    authorization_url: p.authorizationUrl,
    token_url: p.tokenUrl,
    userinfo_url: p.userinfoUrl,
    enabled: p.enabled,
    callback_path: `/auth/idp/${p.slug}/callback`,
  };
}

/**
 * `database`: only the connection (and migrations), none of the services whose start-up writes rows
 * (signing keys are created on first start), so db:import finds a fresh target empty.
 */
type Context = 'services' | 'database';

const COMMANDS: Record<string, { usage: string; flags: FlagSpec; run: Command; context?: Context }> = {
  'db:export': {
    usage:
      'db:export > dump.json   (every table as JSON on stdout, one consistent snapshot; the embedded database or DATABASE_URL)',
    flags: {},
    context: 'database',
    run: async (app) => exportDatabase(app.get(DataSource)),
  },
  'db:import': {
    usage:
      'db:import --file dump.json [--force]   (into DATABASE_URL, one transaction; same release and APP_SECRET as the export; --force replaces a non-empty database; --file - reads stdin)',
    flags: { file: { type: 'string' }, force: { type: 'boolean' } },
    context: 'database',
    run: async (app, flags) => {
      const file = required(flags, 'file');
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (error) {
        throw new UsageError(`--file: cannot read ${file}: ${(error as Error).message}`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new UsageError(`--file: ${file} is not JSON`);
      }
      const dataSource = app.get(DataSource);
      // A fresh PostgreSQL has no schema yet: bring it to this release's, which the dump must match.
      await dataSource.runMigrations({ transaction: 'each' });
      return importDatabase(dataSource, checkDump(parsed), { force: flag(flags, 'force') });
    },
  },
  'idp:create': {
    usage: `idp:create --slug S --type ${PROVIDER_TYPES.join('|')} [--issuer URL] --client-id ID --client-secret SECRET [--scope "openid email profile"] [--name "Corp SSO"] [--authorization-url U] [--token-url U] [--userinfo-url U]   (register ISSUER/auth/idp/S/callback at the provider)`,
    flags: {
      slug: { type: 'string' },
      type: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      scope: { type: 'string' },
      name: { type: 'string' },
      'authorization-url': { type: 'string' },
      'token-url': { type: 'string' },
      'userinfo-url': { type: 'string' },
    },
    run: async (app, flags) => {
      const provider = await app.get(IdentityProvidersService).create({
        slug: required(flags, 'slug'),
        type: required(flags, 'type'),
        issuer: optional(flags, 'issuer'),
        clientId: required(flags, 'client-id'),
        clientSecret: required(flags, 'client-secret'),
        scope: optional(flags, 'scope'),
        name: optional(flags, 'name'),
        authorizationUrl: optional(flags, 'authorization-url'),
        tokenUrl: optional(flags, 'token-url'),
        userinfoUrl: optional(flags, 'userinfo-url'),
      });
      // The client secret is never printed back.
      return providerJson(provider);
    },
  },
  'idp:list': {
    usage: 'idp:list',
    flags: {},
    run: async (app) => ({ items: (await app.get(IdentityProvidersService).list()).map(providerJson) }),
  },
  'idp:disable': {
    usage: 'idp:disable --slug S   (its button goes away on every instance; linked identities are kept)',
    flags: { slug: { type: 'string' } },
    run: async (app, flags) =>
      providerJson(await app.get(IdentityProvidersService).disable(required(flags, 'slug'))),
  },
  'client:create': {
    usage:
      'client:create --name N --type confidential|public --redirect-uri U [--redirect-uri U2] --scope "read:user read:projects" [--grant-type G ...] [--owner EMAIL] [--post-logout-redirect-uri U ...] [--id-token-alg ES256|RS256] [--dpop-bound]   (--dpop-bound: RFC 9449, the client gets DPoP-bound tokens only; a client_credentials-only client may take manage:clients manage:users manage:api-keys)',
    flags: {
      name: { type: 'string' },
      type: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      scope: { type: 'string' },
      'grant-type': { type: 'string', multiple: true },
      owner: { type: 'string' },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'id-token-alg': { type: 'string' },
      'dpop-bound': { type: 'boolean' },
    },
    run: async (app, flags) => {
      const grantTypes = all(flags, 'grant-type');
      // A service (only client_credentials) is confidential by nature: --type and --name may be left out.
      // A resource server exchanging tokens (RFC 8693) is a service too.
      const service =
        grantTypes.length > 0 && grantTypes.every((g) => g === 'client_credentials' || g === TOKEN_EXCHANGE);
      const type = service ? (optional(flags, 'type') ?? 'confidential') : required(flags, 'type');
      if (type !== 'confidential' && type !== 'public') {
        throw new UsageError('--type must be confidential or public');
      }
      const { client, clientSecret } = await app.get(ClientsService).register({
        name: service ? (optional(flags, 'name') ?? 'Management client') : required(flags, 'name'),
        type,
        redirectUris: all(flags, 'redirect-uri'),
        scopes: (optional(flags, 'scope') ?? '').split(' ').filter(Boolean),
        grantTypes: grantTypes.length ? grantTypes : undefined,
        postLogoutRedirectUris: all(flags, 'post-logout-redirect-uri'),
        idTokenSignedResponseAlg: optional(flags, 'id-token-alg'),
        dpopBoundAccessTokens: flags['dpop-bound'] === true,
        ownerId: await ownerId(app, optional(flags, 'owner')),
        // The operator's own tool: the only place besides the management API that may grant manage:*.
        operator: true,
      });
      return {
        client_id: client.clientId,
        ...(clientSecret ? { client_secret: clientSecret } : {}),
        name: client.name,
        type: client.type,
        redirect_uris: client.redirectUris,
        grant_types: client.grantTypes,
        scopes: client.scopes,
        post_logout_redirect_uris: client.postLogoutRedirectUris,
        id_token_signed_response_alg: client.idTokenSignedResponseAlg,
        dpop_bound_access_tokens: client.dpopBoundAccessTokens ?? false,
      };
    },
  },
  'resource:create': {
    usage:
      'resource:create --uri https://mcp.example.com/mcp --scope "read:projects" [--name N] [--client-id ID]   (RFC 8707: tokens for it carry aud = the URI; --client-id: the resource server\'s own client, which may exchange them (RFC 8693))',
    flags: {
      uri: { type: 'string' },
      scope: { type: 'string' },
      name: { type: 'string' },
      'client-id': { type: 'string' },
    },
    run: async (app, flags) => {
      const uri = required(flags, 'uri');
      const resource = await app.get(ResourcesService).create({
        uri,
        name: optional(flags, 'name') ?? uri,
        scopes: required(flags, 'scope').split(' ').filter(Boolean),
        clientId: optional(flags, 'client-id') ?? null,
      });
      return {
        uri: resource.uri,
        name: resource.name,
        scopes: resource.scopes,
        ...(resource.clientId ? { client_id: resource.clientId } : {}),
      };
    },
  },
  'resource:list': {
    usage: 'resource:list',
    flags: {},
    run: async (app) =>
      (await app.get(ResourcesService).list()).map((r) => ({
        uri: r.uri,
        name: r.name,
        scopes: r.scopes,
        built_in: r.builtIn,
      })),
  },
  'registration:initial-token': {
    usage:
      'registration:initial-token [--ttl SECONDS]   (RFC 7591 initial access token for one registration; DCR_MODE=initial-access-token)',
    flags: { ttl: { type: 'string' } },
    run: async (app, flags) => {
      const ttl = optional(flags, 'ttl') ?? '86400';
      if (!/^\d+$/.test(ttl) || Number(ttl) < 60 || Number(ttl) > 30 * 86400) {
        throw new UsageError('--ttl must be 60 to 2592000 seconds');
      }
      const { token, expiresAt } = await app.get(RegistrationService).mintInitialAccessToken(Number(ttl));
      return { initial_access_token: token, expires_at: expiresAt.toISOString() };
    },
  },
  'client:purge-dynamic': {
    usage: 'client:purge-dynamic   (delete dynamically registered clients unused for 30 days)',
    flags: {},
    run: async (app) => ({ deleted: await app.get(RegistrationService).purgeUnused() }),
  },
  'audit:verify': {
    usage: 'audit:verify   (exit 1 when the audit chain is broken)',
    flags: {},
    run: async (app) => {
      const result = await app.get(AuditService).verify();
      if (!result.ok) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        throw new UsageError(`audit chain broken at row ${result.brokenAt}: ${result.reason}`);
      }
      return result;
    },
  },
  'keys:rotate': {
    usage: 'keys:rotate [--emergency]   (emergency: the old key stops verifying at once)',
    flags: { emergency: { type: 'boolean' } },
    run: async (app, flags) => {
      const emergency = flag(flags, 'emergency');
      const result = await app.get(SigningKeysService).rotateNow({ emergency });
      return { ...result, emergency };
    },
  },
  'client:rotate-secret': {
    usage: 'client:rotate-secret --client-id ID',
    flags: { 'client-id': { type: 'string' } },
    run: async (app, flags) => {
      const clients = app.get(ClientsService);
      const client = await clients.findActive(required(flags, 'client-id'));
      if (!client) throw new UsageError('no active client with that client_id');
      const { clientSecret } = await clients.rotateSecret(null, client.id);
      return { client_id: client.clientId, client_secret: clientSecret };
    },
  },
  'client:list': {
    usage: 'client:list [--limit N] [--cursor C]   (clients that are not deleted, newest first)',
    flags: { limit: { type: 'string' }, cursor: { type: 'string' } },
    run: async (app, flags) => {
      const page = await app.get(ClientsService).listAll(pageRequest(flags));
      return {
        items: page.items.map((c) => ({
          client_id: c.clientId,
          name: c.name,
          type: c.type,
          grant_types: c.grantTypes,
          scopes: c.scopes,
          disabled: Boolean(c.disabledAt),
        })),
        next_cursor: page.nextCursor,
      };
    },
  },
  'client:delete': {
    usage: 'client:delete --client-id ID   (its tokens stop working at once)',
    flags: { 'client-id': { type: 'string' } },
    run: async (app, flags) => {
      const clients = app.get(ClientsService);
      const clientId = required(flags, 'client-id');
      const client = await clients.findActive(clientId);
      if (!client) throw new UsageError(`--client-id: no active client ${clientId}`);
      await clients.delete(null, client.id);
      return { client_id: client.clientId, deleted: true };
    },
  },
  'user:list': {
    usage: 'user:list [--limit N] [--cursor C]',
    flags: { limit: { type: 'string' }, cursor: { type: 'string' } },
    run: async (app, flags) => {
      const page = await app.get(UsersService).listAll(pageRequest(flags));
      return {
        items: page.items.map((u) => ({ id: u.id, email: u.email, disabled: Boolean(u.disabledAt) })),
        next_cursor: page.nextCursor,
      };
    },
  },
  'api-key:create': {
    usage:
      'api-key:create --user EMAIL --scope "read:user" [--name N] [--expires-in-days D]   (the key is printed once)',
    flags: {
      user: { type: 'string' },
      scope: { type: 'string', multiple: true },
      name: { type: 'string' },
      'expires-in-days': { type: 'string' },
    },
    run: async (app, flags) => {
      const email = required(flags, 'user');
      const userId = await ownerId(app, email);
      // --scope may be repeated or carry a space-separated list; both mean the union.
      const scopes = all(flags, 'scope').flatMap((s) => s.split(' ').filter(Boolean));
      if (scopes.length === 0) throw new UsageError('--scope is required (e.g. --scope "read:user")');
      const days = optional(flags, 'expires-in-days');
      if (days !== undefined && !/^[1-9]\d{0,3}$/.test(days)) {
        throw new UsageError('--expires-in-days must be a whole number of days between 1 and 9999');
      }
      const { key, secret } = await app.get(ApiKeysService).create({
        userId: userId as string,
        name: optional(flags, 'name') ?? 'CLI key',
        scopes,
        expiresAt: days ? new Date(Date.now() + Number(days) * 86_400_000) : null,
      });
      return { id: key.id, name: key.name, scopes: key.scopes, api_key: secret };
    },
  },
  'user:create': {
    usage: 'user:create --email E --password P [--name N]',
    flags: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
    run: async (app, flags) => {
      const user = await app.get(UsersService).create({
        email: required(flags, 'email'),
        password: required(flags, 'password'),
        displayName: optional(flags, 'name'),
      });
      return { id: user.id, email: user.email };
    },
  },
};

function pageRequest(flags: Flags): { limit?: number; cursor?: string } {
  const limit = optional(flags, 'limit');
  if (limit !== undefined && !/^[1-9]\d{0,2}$/.test(limit)) {
    throw new UsageError('--limit must be a whole number between 1 and 100');
  }
  return { limit: limit ? Math.min(Number(limit), 100) : undefined, cursor: optional(flags, 'cursor') };
}

@Module({})
class AdminModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AdminModule,
      imports: [
        ConfigModule.forRoot(config),
        // Next to a running server on the embedded database, go through its socket instead of failing.
        DatabaseModule.forRoot(config, { shareRunningEmbedded: true }),
        PlatformModule,
        AuditModule,
        UsersModule,
        ClientsModule,
        ApiKeysModule,
        JwtTokensModule,
        ResourcesModule,
        RegistrationServiceModule,
        IdentityProvidersModule,
      ],
    };
  }
}

@Module({})
class DatabaseOnlyModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseOnlyModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config, { shareRunningEmbedded: true })],
    };
  }
}

function usage(): string {
  return `usage: npm run -s admin -- <command> [flags]   (JSON on stdout, errors on stderr)\n${Object.values(
    COMMANDS,
  )
    .map((c) => `  ${c.usage}`)
    .join('\n')}\n  <command> --help   (one command's flags)`;
}

const HELP = new Set(['--help', '-h', 'help']);

async function main(argv: string[]): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const [command, ...args] = argv;
  // Help goes to stdout and exits 0: it is what was asked for, not an error.
  if (command !== undefined && HELP.has(command)) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const spec = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!spec) throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  if (args.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(`usage: npm run -s admin -- ${spec.usage}\n`);
    return 0;
  }
  const flags = parseFlags(args, spec.flags);
  const config = loadConfig();
  const root = spec.context === 'database' ? DatabaseOnlyModule.forRoot(config) : AdminModule.forRoot(config);
  const app = await NestFactory.createApplicationContext(root, { logger: ['error'] });
  try {
    const result = await spec.run(app, flags);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`error: ${error.message}\n${usage()}\n`);
    // Which field and why, every one of them: the reason the API would give, not just its error code.
    else if (error instanceof ValidationFailed) {
      process.stderr.write(
        `error: ${error.code}: ${error.fields.map((f) => `${f.field}: ${f.messages.join('; ')}`).join('\n  ')}\n`,
      );
    } else if (error instanceof ApiError) {
      process.stderr.write(`error: ${error.code}: ${error.description}\n`);
    } else if (
      error instanceof ConfigError ||
      error instanceof EmbeddedDatabaseLockedError ||
      error instanceof DumpError
    ) {
      process.stderr.write(`error: ${error.message}\n`);
    } else process.stderr.write(`error: ${String(error)}\n`);
    process.exit(1);
  },
);
