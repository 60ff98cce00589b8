import { randomUUID } from 'node:crypto';

import { createClient } from './factories/clients';
import { bootApp, freePort, type TestApp } from './support/app';
import { http } from './support/http';
import { basic, tokenRequest } from './support/oauth';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict parser for the Prometheus text exposition format (0.0.4): every line is a comment
 * (`# HELP`/`# TYPE`), or `name{label="value",...} number`; anything else fails the test. Every sample
 * must belong to a family announced by `# TYPE` (histograms add _bucket/_sum/_count, summaries
 * _sum/_count), and a family is typed once.
 */
function parsePrometheus(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleLine = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
  const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(?:,|$)/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) ?(.*)$`).exec(line);
      if (!m) throw new Error(`bad comment line: ${line}`);
      if (m[1] === 'TYPE') {
        if (!/^(counter|gauge|histogram|summary|untyped)$/.test(m[3])) throw new Error(`bad type: ${line}`);
        if (types.has(m[2])) throw new Error(`family typed twice: ${m[2]}`);
        types.set(m[2], m[3]);
      }
      continue;
    }
    const m = sampleLine.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest !== '') {
      const l = label.exec(rest);
      if (!l) throw new Error(`bad labels: ${line}`);
      if (l[1] in labels) throw new Error(`duplicate label: ${line}`);
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      rest = rest.slice(l[0].length);
    }
    // Values are Go ParseFloat syntax: NaN and ±Inf in any letter case (prom-client writes "Nan").
    const special = /^(nan|[+-]?inf)$/i.exec(m[3]);
    const value = special
      ? /nan/i.test(m[3])
        ? NaN
        : m[3].startsWith('-')
          ? -Infinity
          : Infinity
      : Number(m[3]);
    if (!special && (Number.isNaN(value) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(m[3]))) {
      throw new Error(`bad value: ${line}`);
    }
    const family = [m[1], m[1].replace(/_(bucket|sum|count|total|created)$/, '')].find((n) => types.has(n));
    if (!family) throw new Error(`sample without # TYPE: ${m[1]}`);
    if (m[1].endsWith('_bucket') && !('le' in labels)) throw new Error(`bucket without le: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

describe('Prometheus metrics', () => {
  describe('on the main port behind METRICS_TOKEN', () => {
    const token = `scrape-${randomUUID()}`;
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({ METRICS_TOKEN: token });
    });
    afterAll(() => t.close());

    const scrape = async () => {
      const res = await http(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return { text: res.text, samples: parsePrometheus(res.text) };
    };

    it('refuses a scrape without the token, or with a wrong one', async () => {
      expect((await http(`${t.url}/metrics`)).status).toBe(401);
      const wrong = await http(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}x` } });
      expect(wrong.status).toBe(401);
    });

    it('serves process, Node and product metrics that move with the traffic, without identifying labels', async () => {
      const service = await createClient(t.app, {
        name: 'Metrics probe',
        grantTypes: ['client_credentials'],
        redirectUris: [],
        scopes: ['read:projects'],
      });
      const auth = { authorization: basic(service.clientId, service.clientSecret!) };
      const before = (await scrape()).samples;

      const issued = await tokenRequest(t.url, { grant_type: 'client_credentials' }, auth);
      expect(issued.status).toBe(200);
      const bad = await tokenRequest(
        t.url,
        { grant_type: 'client_credentials' },
        { authorization: basic(service.clientId, 'not-the-secret') },
      );
      expect(bad.status).toBe(401);
      const projectId = randomUUID();
      const project = await http(`${t.url}/v1/projects/${projectId}`, {
        headers: { authorization: `Bearer ${issued.json.access_token}` },
      });
      expect(project.status).toBe(404);
      const secret = `/no-such-path-${randomUUID()}`;
      expect((await http(`${t.url}${secret}`)).status).toBe(404);

      const { text, samples } = await scrape();
      for (const name of [
        'process_cpu_user_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
        'nodejs_heap_size_used_bytes',
      ]) {
        expect(samples.some((s) => s.name === name)).toBe(true);
      }

      const delta = (name: string, labels: Record<string, string>) =>
        value(samples, name, labels) - value(before, name, labels);
      expect(delta('iiniit_tokens_issued_total', { grant_type: 'client_credentials' })).toBe(1);
      expect(delta('iiniit_authentication_failures_total', { reason: 'invalid_client' })).toBe(1);
      expect(
        delta('iiniit_http_request_duration_seconds_count', {
          method: 'POST',
          route: '/oauth2/token',
          status_class: '2xx',
        }),
      ).toBe(1);
      // Route templates, never raw paths.
      expect(
        delta('iiniit_http_request_duration_seconds_count', {
          method: 'GET',
          route: '/v1/projects/:id',
          status_class: '4xx',
        }),
      ).toBe(1);
      expect(
        delta('iiniit_http_request_duration_seconds_count', { route: 'unmatched' }),
      ).toBeGreaterThanOrEqual(1);
      expect(value(samples, 'iiniit_read_cache_lookups_total', { cache: 'clients' })).toBeGreaterThan(0);
      expect(
        samples.some((s) => s.name === 'iiniit_db_pool_connections' && s.labels.state === 'waiting'),
      ).toBe(true);
      expect(value(samples, 'iiniit_signing_key_age_seconds')).toBeGreaterThanOrEqual(0);
      expect(samples.some((s) => s.name === 'iiniit_signing_key_age_seconds')).toBe(true);

      // Nothing that identifies a caller or a resource: ids, secrets, tokens, raw paths.
      for (const forbidden of [
        service.clientId,
        service.clientSecret!,
        issued.json.access_token,
        projectId,
        secret,
      ]) {
        expect(text).not.toContain(forbidden);
      }
      const allowedLabels = new Set([
        'le',
        'quantile',
        'method',
        'route',
        'status_class',
        'grant_type',
        'reason',
        'limit',
        'cache',
        'result',
        'state',
        'connection',
        'table',
        'outcome',
        // prom-client's default Node metrics
        'version',
        'major',
        'minor',
        'patch',
        'kind',
        'type',
        'space',
      ]);
      for (const s of samples) for (const l of Object.keys(s.labels)) expect(allowedLabels).toContain(l);
    });

    it('counts rate-limit rejections by limit name', async () => {
      const limited = await bootApp({ METRICS_TOKEN: token, RATE_LIMIT_CLIENT: '1/1m' });
      try {
        const service = await createClient(limited.app, {
          name: 'Limited',
          grantTypes: ['client_credentials'],
          redirectUris: [],
        });
        const auth = { authorization: basic(service.clientId, service.clientSecret!) };
        const before = parsePrometheus((await scrapeAt(limited.url, token)).text);
        expect((await tokenRequest(limited.url, { grant_type: 'client_credentials' }, auth)).status).toBe(
          200,
        );
        expect((await tokenRequest(limited.url, { grant_type: 'client_credentials' }, auth)).status).toBe(
          429,
        );
        const after = parsePrometheus((await scrapeAt(limited.url, token)).text);
        const name = 'iiniit_rate_limit_rejections_total';
        expect(value(after, name, { limit: 'client' }) - value(before, name, { limit: 'client' })).toBe(1);
      } finally {
        await limited.close();
      }
    });
  });

  it('answers 404 on the main port when neither METRICS_PORT nor METRICS_TOKEN is set', async () => {
    const t = await bootApp({ METRICS_TOKEN: undefined, METRICS_PORT: undefined });
    try {
      const res = await http(`${t.url}/metrics`, {
        headers: { authorization: 'Bearer anything-at-all-1234' },
      });
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({ error: 'not_found' });
    } finally {
      await t.close();
    }
  });

  it('serves METRICS_PORT on its own listener, and not on the main port', async () => {
    const port = await freePort();
    const t = await bootApp({ METRICS_PORT: String(port), METRICS_TOKEN: undefined });
    try {
      const res = await http(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(
        parsePrometheus(res.text).some(
          (s) => s.name === 'iiniit_tokens_issued_total' || s.name === 'process_cpu_user_seconds_total',
        ),
      ).toBe(true);
      expect((await http(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      expect((await http(`${t.url}/metrics`)).status).toBe(404);
    } finally {
      await t.close();
    }
    // The listener closes with the app.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

async function scrapeAt(url: string, token: string) {
  const res = await http(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res;
}
