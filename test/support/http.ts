/** Thin fetch wrapper for e2e tests: real HTTP, no redirects followed, body parsed when JSON. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function http(
  url: string,
  init: Omit<RequestInit, 'body'> & { body?: unknown; form?: Record<string, string> } = {},
): Promise<HttpResult> {
  const headers = new Headers(init.headers);
  let body: string | undefined;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded');
  } else if (init.body !== undefined) {
    if (typeof init.body === 'string') body = init.body;
    else {
      body = JSON.stringify(init.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  }
  const response = await fetch(url, { ...init, headers, body, redirect: 'manual' });
  const text = await response.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
