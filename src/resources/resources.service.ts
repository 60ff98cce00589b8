import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Conflict } from '../platform/errors/api-error';
import { InvalidScope, InvalidTarget } from '../platform/errors/oauth-errors';
import { apiAudience } from '../tokens/jwt/access-tokens.service';
import { isKnownScope, KNOWN_SCOPES, MANAGEMENT_SCOPES } from '../tokens/scopes';
import { ResourceServer } from './resource.entity';
import { parseResourceParam, resourceUriProblem } from './resource-indicator';
import { InvalidResource } from './resources.errors';

/** What other modules see of a resource. */
export interface ResourceView {
  uri: string;
  name: string;
  scopes: string[];
  builtIn: boolean;
  /** RFC 8693: the resource server's own client, allowed to exchange tokens issued for it. */
  clientId?: string | null;
  createdAt?: Date;
}

export interface ResourceInput {
  uri: string;
  name: string;
  scopes: string[];
  clientId?: string | null;
}

/** The token a grant may mint: for this resource (its `aud`), with these scopes. */
export interface TokenTarget {
  resource: ResourceView;
  scopes: string[];
}

function view(r: ResourceServer): ResourceView {
  return {
    uri: r.uri,
    name: r.name,
    scopes: [...r.scopes],
    builtIn: false,
    clientId: r.clientId,
    createdAt: r.createdAt,
  };
}

/**
 * The resource registry (RFC 8707): which audiences this server issues tokens for and the scopes each
 * accepts. The product API under /v1 is built in, with every scope this server knows.
 */
@Injectable()
export class ResourcesService {
  readonly builtIn: ResourceView;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(ResourceServer) private readonly resources: Repository<ResourceServer>,
  ) {
    this.builtIn = {
      uri: apiAudience(config),
      name: 'iiniit API',
      scopes: [...KNOWN_SCOPES, ...Object.keys(MANAGEMENT_SCOPES)],
      builtIn: true,
    };
  }

  async create(input: ResourceInput): Promise<ResourceView> {
    const uri = input.uri.trim();
    const problem = resourceUriProblem(uri);
    if (problem) throw new InvalidResource('uri', problem);
    if (uri === this.builtIn.uri) throw new Conflict('that resource is built in');
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) {
      throw new InvalidResource('name', 'must be 1 to 100 characters');
    }
    const scopes = [...new Set(input.scopes)];
    if (scopes.length === 0) throw new InvalidResource('scopes', 'at least one scope');
    // Scopes come from the server's vocabulary, so the consent page can say what each one means.
    const unknown = scopes.filter((s) => !isKnownScope(s));
    if (unknown.length) {
      throw new InvalidResource('scopes', `unknown scope: ${unknown.join(' ').slice(0, 100)}`);
    }
    if (await this.resources.existsBy({ uri })) throw new Conflict('a resource with that URI exists');
    return view(
      await this.resources.save(
        this.resources.create({ uri, name, scopes, clientId: input.clientId ?? null }),
      ),
    );
  }

  /** Every resource, the built-in one first. */
  async list(): Promise<ResourceView[]> {
    const rows = await this.resources.find({ order: { createdAt: 'ASC' } });
    return [this.builtIn, ...rows.map(view)];
  }

  async find(uri: string): Promise<ResourceView | null> {
    if (uri === this.builtIn.uri) return this.builtIn;
    if (uri.length > 512) return null;
    const row = await this.resources.findOneBy({ uri });
    return row ? view(row) : null;
  }

  /** RFC 8707 §2: every indicator names a registered resource, else `invalid_target`. */
  async resolve(uris: readonly string[]): Promise<ResourceView[]> {
    const found: ResourceView[] = [];
    for (const uri of uris) {
      const resource = await this.find(uri);
      if (!resource) throw new InvalidTarget(`unknown resource: ${uri.slice(0, 100)}`);
      found.push(resource);
    }
    return found;
  }

  /**
   * The target of an access token minted from a grant (code or refresh token) that recorded `granted`
   * resources (none: the product API, as before resource indicators). RFC 8707 §2.2: the token request's
   * `resource` picks one of them; an access token is for exactly one audience, so a grant for several
   * needs it named. Scopes: the grant's, limited to those the resource accepts.
   */
  async targetFromGrant(
    param: string | undefined,
    granted: readonly string[],
    grantScopes: readonly string[],
  ): Promise<TokenTarget> {
    const requested = parseResourceParam(param);
    if (requested.length > 1) throw new InvalidTarget('one resource per access token');
    const allowed = granted.length ? granted : [this.builtIn.uri];
    let uri = requested[0];
    if (uri === undefined) {
      if (allowed.length > 1) {
        throw new InvalidTarget('the grant covers several resources: name one with the resource parameter');
      }
      uri = allowed[0]!;
    } else if (!allowed.includes(uri)) {
      // RFC 8707 §2.2: a refresh may narrow to one of the granted resources, never reach a new one.
      throw new InvalidTarget('the resource was not part of the authorization');
    }
    const [resource] = await this.resolve([uri]);
    const scopes = grantScopes.filter((s) => resource.scopes.includes(s));
    if (scopes.length === 0) throw new InvalidScope('none of the granted scopes apply to this resource');
    return { resource: resource, scopes };
  }

  /**
   * client_credentials (RFC 8707 §2.2 with RFC 6749 §4.4): `resource` names any registered resource, the
   * product API by default; scopes are the requested ones (or the client's) limited to the resource's.
   */
  async targetForClient(
    param: string | undefined,
    requestedScopes: readonly string[],
    clientScopes: readonly string[],
  ): Promise<TokenTarget> {
    const requested = parseResourceParam(param);
    if (requested.length > 1) throw new InvalidTarget('one resource per access token');
    const [resource] = requested.length ? await this.resolve(requested) : [this.builtIn];
    if (requestedScopes.length) {
      const outside = requestedScopes.filter((s) => !resource.scopes.includes(s));
      if (outside.length) {
        throw new InvalidScope(`scope not accepted by this resource: ${outside.join(' ').slice(0, 100)}`);
      }
      return { resource: resource, scopes: [...requestedScopes] };
    }
    const scopes = clientScopes.filter((s) => resource.scopes.includes(s));
    if (scopes.length === 0) throw new InvalidScope('none of the client scopes apply to this resource');
    return { resource: resource, scopes };
  }
}
