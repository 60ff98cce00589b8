import { oauthParams } from './oauth-params';

describe('oauthParams', () => {
  it('keeps plain string values and drops empty ones (RFC 6749 §3.1)', () => {
    expect(oauthParams({ grant_type: 'client_credentials', scope: '' })).toEqual({
      grant_type: 'client_credentials',
    });
  });

  it.each(['a\u0000b', 'line\nbreak', 'tab\there', 'del\u007f'])(
    'refuses a value with control characters (%j): RFC 6749 Appendix A',
    (value) => {
      expect(() => oauthParams({ state: value })).toThrow(/"state" contains control characters/);
    },
  );

  it('refuses a parameter name with control characters without echoing it', () => {
    expect(() => oauthParams({ 'st\u0000ate': 'x' })).toThrow('a parameter name contains control characters');
  });

  it('accepts printable non-ASCII (error_description and display names may carry it)', () => {
    expect(oauthParams({ name: 'Zoë 测试' })).toEqual({ name: 'Zoë 测试' });
  });
});

describe('oauthParams on the interactive routes', () => {
  it('allows control characters when asked (state is echoed exactly, percent-encoded)', () => {
    expect(oauthParams({ state: 'a\r\nb' }, { allowControlCharacters: true })).toEqual({ state: 'a\r\nb' });
  });
});
