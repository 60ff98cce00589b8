import { type Html, html } from '../platform/web/html';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2025-11-26 08:25 UTC`: unambiguous for a reader anywhere (the server does not know the browser's zone). */
export function utc(date: Date): string {
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`
  );
}

const UNITS: [number, string][] = [
  [365 * 24 * 3600, 'year'],
  [30 * 24 * 3600, 'month'],
  [24 * 3600, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
];

/** "3 minutes ago", "in 2 days": how people think about "last used" and "expires". */
export function relative(date: Date, now = Date.now()): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return seconds <= 0 ? 'just now' : 'in less than a minute';
  for (const [size, unit] of UNITS) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const words = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return seconds < 0 ? `${words} ago` : `in ${words}`;
    }
  }
  return utc(date);
}

/** A `<time>` element: relative words, the exact UTC time as its tooltip and machine-readable value. */
export function when(date: Date | null, fallback = 'Never', now = Date.now()): Html {
  if (!date) return html`<span class="muted">${fallback}</span>`;
  return html`<time datetime="${date.toISOString()}" title="${utc(date)}">${relative(date, now)}</time>`;
}

/** A `<time>` element showing the UTC date (created, authorized), the exact time as its tooltip. */
export function on(date: Date): Html {
  return html`<time datetime="${date.toISOString()}" title="${utc(date)}">${utc(date).slice(0, 10)}</time>`;
}

/** "Chrome on Linux" from a User-Agent header: enough to recognise a device, not a fingerprint. */
export function describeUserAgent(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /HeadlessChrome\//.test(ua)
          ? 'Headless Chrome'
          : /Chrom(e|ium)\//.test(ua)
            ? 'Chrome'
            : /Safari\//.test(ua)
              ? 'Safari'
              : /^curl\//.test(ua)
                ? 'curl'
                : 'A browser';
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /iPhone|iPad|iPod/.test(ua)
      ? 'iOS'
      : /Mac OS X|Macintosh/.test(ua)
        ? 'macOS'
        : /Android/.test(ua)
          ? 'Android'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : '';
  return os ? `${browser} on ${os}` : browser;
}
