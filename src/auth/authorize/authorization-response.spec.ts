import { responseLocation } from './authorization-response';

describe('responseLocation', () => {
  it('adds the parameters and keeps the redirect URI query (RFC 6749 §3.1.2)', () => {
    expect(
      responseLocation('https://app.example/cb?tenant=7', { code: 'c1', state: 's', iss: 'https://id' }),
    ).toBe('https://app.example/cb?tenant=7&code=c1&state=s&iss=https%3A%2F%2Fid');
  });

  it('omits absent values', () => {
    expect(responseLocation('https://app.example/cb', { code: 'c1', state: undefined })).toBe(
      'https://app.example/cb?code=c1',
    );
  });

  it('never repeats a parameter the registered URI already carries (RFC 6749 §3.1)', () => {
    const location = new URL(
      responseLocation(
        'https://app.example/cb?code=old&state=old&iss=old&error=old&error_description=old&x=1',
        {
          code: 'new',
          state: 'mine',
          iss: 'https://id',
        },
      ),
    );
    const q = location.searchParams;
    expect(q.getAll('code')).toEqual(['new']);
    expect(q.getAll('state')).toEqual(['mine']);
    expect(q.getAll('iss')).toEqual(['https://id']);
    expect(q.getAll('error')).toEqual([]);
    expect(q.getAll('error_description')).toEqual([]);
    expect(q.getAll('x')).toEqual(['1']);
  });

  it('an error response drops a registered code and keeps one error', () => {
    const q = new URL(
      responseLocation('https://app.example/cb?code=old&error=old', {
        error: 'access_denied',
        state: undefined,
      }),
    ).searchParams;
    expect(q.getAll('error')).toEqual(['access_denied']);
    expect(q.has('code')).toBe(false);
    expect(q.has('state')).toBe(false);
  });
});
