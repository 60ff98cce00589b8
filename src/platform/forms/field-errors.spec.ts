import { ApiKeyExpired, InvalidApiKeyField } from '../../api-keys/api-keys.errors';
import { InvalidClientMetadata } from '../../clients/clients.errors';
import { parseExpiryDate } from '../../console/console.dto';
import { describeUserAgent, relative } from '../../console/format';
import { describe as describeEvent } from '../../console/security-activity.service';
import { fieldErrors, sentence } from './field-errors';

describe('fieldErrors', () => {
  it('puts service messages next to the form field, in sentences', () => {
    expect(fieldErrors(new InvalidClientMetadata('name', 'must be 1 to 100 characters'), ['name'])).toEqual({
      name: 'Name must be 1 to 100 characters.',
    });
    expect(
      fieldErrors(new InvalidApiKeyField('expires_at', 'must be in the future'), ['expires_on'], {
        expires_at: 'expires_on',
      }),
    ).toEqual({ expires_on: 'Expiry date must be in the future.' });
    expect(
      fieldErrors(new InvalidClientMetadata('grant_types', 'at least one grant type'), ['name']),
    ).toEqual({
      '': 'At least one grant type.',
    });
  });

  it('leaves other errors to the caller', () => {
    expect(fieldErrors(new ApiKeyExpired(), ['name'])).toBeUndefined();
    expect(fieldErrors(new Error('boom'), ['name'])).toBeUndefined();
  });

  it('names the field when the message starts with a value', () => {
    expect(sentence('redirect_uris', 'http://x.example/cb: must use https.')).toBe(
      'Redirect URIs: http://x.example/cb: must use https.',
    );
  });
});

describe('parseExpiryDate', () => {
  const now = Date.UTC(2030, 0, 15, 12);
  it('is the end of the chosen UTC day, or null for none', () => {
    expect(parseExpiryDate('', now)).toBeNull();
    expect(parseExpiryDate('2030-01-15', now)).toEqual(new Date(Date.UTC(2030, 0, 16)));
  });
  it('refuses past, impossible and malformed dates', () => {
    expect(parseExpiryDate('2030-01-14', now)).toMatch(/today or later/);
    expect(parseExpiryDate('2030-02-30', now)).toMatch(/real date/);
    expect(parseExpiryDate('15/01/2030', now)).toMatch(/like 2030-12-31/);
  });
});

describe('activity wording', () => {
  it('describes audit events in plain words, never with secrets', () => {
    expect(describeEvent({ type: 'api_key.revoked', details: { prefix: 'iik_test_AbCd' } }, 'x')).toBe(
      'API key iik_test_AbCd… revoked',
    );
    expect(describeEvent({ type: 'consent.revoked', details: {} }, 'Planner')).toBe(
      'Revoked access for Planner',
    );
  });
  it('names devices and relative times', () => {
    expect(describeUserAgent('Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36')).toBe(
      'Chrome on Linux',
    );
    expect(describeUserAgent(null)).toBe('Unknown device');
    expect(relative(new Date(0), 3 * 60_000)).toBe('3 minutes ago');
    expect(relative(new Date(2 * 86400_000), 0)).toBe('in 2 days');
  });
});
