import { Injectable } from '@nestjs/common';

import { AuditService } from '../../audit/audit.service';
import type { RequestMeta } from '../../platform/http/request-meta';
import type { AuthContext } from '../../tokens/oidc/auth-context';
import type { AuthorizationRedirect } from '../auth.errors';
import type { AuthorizationRequest } from '../authorize/authorization-request';
import { AuthorizationRequestService } from '../authorize/authorization-request.service';
import type { ConsentDecision } from './consent.dto';

/** The user's answer on the consent page: a code for the app (recorded in the audit trail) or access_denied. */
@Injectable()
export class ConsentService {
  constructor(
    private readonly requests: AuthorizationRequestService,
    private readonly audit: AuditService,
  ) {}

  async decide(
    request: AuthorizationRequest,
    userId: string,
    decision: ConsentDecision,
    method: string,
    meta: RequestMeta,
    /** The session's sign-in, stated in the id_token (OIDC Core §2). */
    auth?: AuthContext,
  ): Promise<AuthorizationRedirect> {
    if (decision === 'deny') return this.requests.deny(request, method);
    const redirect = await this.requests.approve(request, userId, method, auth);
    await this.audit.record({
      type: 'consent.granted',
      userId,
      clientId: request.client.clientId,
      ...meta,
      details: { scope: request.scopes.join(' ') },
    });
    return redirect;
  }
}
