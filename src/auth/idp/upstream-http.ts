/**
 * Every call to an upstream provider gives up after this long: a provider that is down or hangs ends on
 * the friendly error page, never in a request that hangs.
 */
export const UPSTREAM_TIMEOUT_MS = 10_000;

export class UpstreamUnavailable extends Error {
  constructor(what: string, cause?: unknown) {
    super(`the provider's ${what} did not answer`, { cause });
  }
}

/** GET a JSON document from the provider, bounded by UPSTREAM_TIMEOUT_MS; a non-2xx is an error. */
export async function fetchJson(
  url: string,
  what: string,
  headers: Record<string, string> = {},
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json', 'user-agent': 'iiniit-identity', ...headers },
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (error) {
    throw new UpstreamUnavailable(what, error);
  }
  if (!res.ok) throw new UpstreamUnavailable(`${what} (HTTP ${res.status})`);
  try {
    return await res.json();
  } catch (error) {
    throw new UpstreamUnavailable(`${what} (not JSON)`, error);
  }
}
