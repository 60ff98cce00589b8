import { InvalidRequest } from '../errors/oauth-errors';
import { OAuthParamsPipe } from './oauth-params.pipe';

class PageError extends Error {}

describe('OAuthParamsPipe', () => {
  it('passes one string per parameter and drops empty values (RFC 6749 §3.1)', () => {
    expect(new OAuthParamsPipe().transform({ client_id: 'a', scope: '' })).toEqual({ client_id: 'a' });
    expect(new OAuthParamsPipe().transform(undefined)).toEqual({});
  });

  it('refuses a repeated parameter with the JSON invalid_request by default', () => {
    expect(() => new OAuthParamsPipe().transform({ state: ['a', 'b'] })).toThrow(InvalidRequest);
  });

  it('answers with the route error when given one', () => {
    const pipe = new OAuthParamsPipe({ error: (refusal) => new PageError(refusal.description) });
    expect(() => pipe.transform({ state: ['a', 'b'] })).toThrow(
      new PageError('parameter "state" was sent more than once'),
    );
  });

  it('control characters only where allowed', () => {
    expect(() => new OAuthParamsPipe().transform({ state: 'a\nb' })).toThrow(InvalidRequest);
    expect(new OAuthParamsPipe({ allowControlCharacters: true }).transform({ state: 'a\nb' })).toEqual({
      state: 'a\nb',
    });
  });
});
