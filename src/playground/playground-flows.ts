import { createHash, randomBytes } from 'node:crypto';

/** A PKCE pair and state that the start banner prints, kept so the playground can show the exchange. */
export interface PlaygroundFlow {
  clientId: string;
  redirectUri: string;
  codeVerifier: string;
  expiresAt: number;
}

/** Ten minutes: the lifetime an authorization code has anyway (RFC 6749 §4.1.2 recommends ≤ 10 min). */
const FLOW_TTL_MS = 10 * 60_000;
const MAX_FLOWS = 100;

/**
 * In-memory, per process, keyed by `state`: the verifier never travels in a URL (RFC 7636 §4.1 keeps it
 * on the client), and the playground, which plays the client's part, looks it up when the code arrives.
 * A restart forgets it: the banner prints a fresh pair on every start.
 */
export class PlaygroundFlows {
  private readonly flows = new Map<string, PlaygroundFlow>();

  start(clientId: string, redirectUri: string): { state: string; codeChallenge: string } {
    this.sweep();
    if (this.flows.size >= MAX_FLOWS) this.flows.delete(this.flows.keys().next().value as string);
    const state = randomBytes(16).toString('base64url');
    const codeVerifier = randomBytes(32).toString('base64url');
    // RFC 7636 §4.2: S256 challenge = BASE64URL(SHA256(verifier)).
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    this.flows.set(state, { clientId, redirectUri, codeVerifier, expiresAt: Date.now() + FLOW_TTL_MS });
    return { state, codeChallenge };
  }

  find(state: string | undefined): PlaygroundFlow | undefined {
    if (!state) return undefined;
    const flow = this.flows.get(state);
    if (!flow || flow.expiresAt <= Date.now()) return undefined;
    return flow;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [state, flow] of this.flows) if (flow.expiresAt <= now) this.flows.delete(state);
  }
}
