import { Init1764529200000 } from './1764529200000-init';
import { OAuth1764532800000 } from './1764532800000-oauth';
import { Audit1764536400000 } from './1764536400000-audit';
import { Authorizations1764540000000 } from './1764540000000-authorizations';
import { RefreshRotation1764600000000 } from './1764600000000-refresh-rotation';
import { Management1764600100000 } from './1764600100000-management';
import { Oidc1764950000000 } from './1764950000000-oidc';
import { Account1764960000000 } from './1764960000000-account';
import { Resources1764990000000 } from './1764990000000-resources';
import { PushedAuthorizationRequests1764990100000 } from './1764990100000-pushed-authorization-requests';
import { ClientRegistration1764990200000 } from './1764990200000-client-registration';
import { ResourceServersClients1764990300000 } from './1764990300000-resource-servers-clients';
import { Janitor1765000000000 } from './1765000000000-janitor';
import { DeviceAuthorizations1766000000000 } from './1766000000000-device-authorizations';
import { Dpop1766100000000 } from './1766100000000-dpop';
import { IdentityProviders1766200000000 } from './1766200000000-identity-providers';
import { SecondFactors1766300000000 } from './1766300000000-second-factors';
import { Passkeys1766300000001 } from './1766300000001-passkeys';

/** Applied in order; new migrations are appended (TypeORM also sorts by the timestamp in the name). */
export const MIGRATIONS = [
  Init1764529200000,
  OAuth1764532800000,
  Audit1764536400000,
  Authorizations1764540000000,
  RefreshRotation1764600000000,
  Management1764600100000,
  Oidc1764950000000,
  Account1764960000000,
  Resources1764990000000,
  PushedAuthorizationRequests1764990100000,
  ClientRegistration1764990200000,
  ResourceServersClients1764990300000,
  Janitor1765000000000,
  DeviceAuthorizations1766000000000,
  Dpop1766100000000,
  SecondFactors1766300000000,
  Passkeys1766300000001,
  IdentityProviders1766200000000,
];
