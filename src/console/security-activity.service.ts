import { Injectable } from '@nestjs/common';

import { AuditService } from '../audit/audit.service';
import type { AuditEvent } from '../audit/audit-event.entity';
import { ClientsService } from '../clients/clients.service';
import { utc } from './format';
import type { EventRow } from './views/security.view';

const EVENTS_SHOWN = 30;
/** token.issued is one event per token: far too many to read, and not what this page is for. */
const NOT_SHOWN = new Set(['token.issued']);
const ALARMING = new Set([
  'sign_in.failed',
  'refresh_token.reuse_detected',
  'authorization_code.reuse_detected',
]);

function str(details: Record<string, unknown>, name: string): string | undefined {
  const value = details[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The key and app events the Security activity page shows, from the audit log (the sign-ins beside them
 * are the sessions module's SignInHistory). Never secrets: the audit log holds ids, prefixes and names only.
 */
@Injectable()
export class SecurityActivity {
  constructor(
    private readonly audit: AuditService,
    private readonly clients: ClientsService,
  ) {}

  async events(userId: string): Promise<EventRow[]> {
    const events = (await this.audit.recentForUser(userId, 200))
      .filter((e) => !NOT_SHOWN.has(e.type))
      .slice(0, EVENTS_SHOWN);
    const names = new Map<string, string>();
    for (const clientId of new Set(events.map((e) => e.clientId).filter((c): c is string => !!c))) {
      const client = await this.clients.findActive(clientId);
      names.set(clientId, client?.name ?? clientId);
    }
    return events.map((e) => ({
      at: e.occurredAt,
      what: describe(e, e.clientId ? (names.get(e.clientId) ?? e.clientId) : 'an app'),
      ip: e.ip,
      userAgent: e.userAgent,
      alarming: ALARMING.has(e.type),
    }));
  }
}

/** One audit event in plain words. */
export function describe(e: Pick<AuditEvent, 'type' | 'details'>, app: string): string {
  const d = e.details ?? {};
  const key = str(d, 'prefix') ? `API key ${str(d, 'prefix')}…` : 'API key';
  switch (e.type) {
    case 'sign_in.succeeded':
      return str(d, 'provider') ? `Signed in with ${str(d, 'provider')}` : 'Signed in';
    case 'upstream_identity.linked':
      return `Linked sign-in with ${str(d, 'provider') ?? 'another provider'} added`;
    case 'upstream_identity.unlinked':
      return `Linked sign-in with ${str(d, 'provider') ?? 'another provider'} removed`;
    case 'sign_in.failed':
      return str(d, 'factor')
        ? 'Failed sign-in attempt (wrong second-factor code)'
        : 'Failed sign-in attempt (wrong password)';
    case 'sign_up':
      return 'Account created';
    case 'consent.granted':
      return `Allowed ${app} to ${str(d, 'scope') ? `use ${str(d, 'scope')}` : 'access your account'}`;
    case 'consent.revoked':
      return `Revoked access for ${app}`;
    case 'refresh_token.reuse_detected':
      return `A used refresh token of ${app} was replayed: its access was revoked`;
    case 'authorization_code.reuse_detected':
      return `A used sign-in code of ${app} was replayed: its access was revoked`;
    case 'client.created':
      return `App ${str(d, 'name') ?? app} created`;
    case 'client.secret_rotated':
      return `Client secret of ${app} rotated`;
    case 'client.deleted':
      return `App ${app} deleted`;
    case 'api_key.created':
      return `${key} created`;
    case 'api_key.rolled': {
      const until = Date.parse(str(d, 'old_key_expires_at') ?? '');
      return `API key rolled${Number.isNaN(until) ? '' : ` (the old key works until ${utc(new Date(until))})`}`;
    }
    case 'api_key.revoked':
      return `${key} revoked`;
    case 'mfa.totp_enabled':
      return 'Authenticator app turned on';
    case 'mfa.totp_disabled':
      return 'Authenticator app turned off';
    case 'mfa.recovery_codes_regenerated':
      return 'New recovery codes made';
    case 'mfa.recovery_code_used':
      return 'Signed in with a recovery code';
    case 'mfa.passkey_added':
      return `Passkey ${str(d, 'name') ?? ''} added`;
    case 'mfa.passkey_removed':
      return `Passkey ${str(d, 'name') ?? ''} removed`;
    default:
      return e.type;
  }
}
