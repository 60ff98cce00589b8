import { isForbiddenAddress } from './address-policy';
import { metadataDocumentUrl } from './client-id-url';
import { CACHE_CEILING_SECONDS, CACHE_FLOOR_SECONDS, cacheSeconds } from './metadata-document.service';

describe('Client ID Metadata Document helpers', () => {
  it('refuses private, loopback, link-local and reserved addresses; allows public ones', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '224.0.0.1',
    ]) {
      expect([a, isForbiddenAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect([a, isForbiddenAddress(a)]).toEqual([a, false]);
    }
  });

  it('recognises metadata document URLs: https with a path, canonical, no fragment or dot segments', () => {
    expect(metadataDocumentUrl('https://app.example.com/client.json', false)).not.toBeNull();
    for (const id of [
      'https://app.example.com/',
      'https://app.example.com',
      'https://app.example.com/a#b',
      'https://u:p@app.example.com/a',
      'https://app.example.com/a/../b',
      'https://APP.example.com/a',
      'http://app.example.com/client.json',
      'http://127.0.0.1:8080/client.json',
      'iic_abc',
    ]) {
      expect([id, metadataDocumentUrl(id, false)]).toEqual([id, null]);
    }
    // Plain http only for 127.0.0.1, and only while private hosts are allowed (tests, development).
    expect(metadataDocumentUrl('http://127.0.0.1:8080/client.json', true)).not.toBeNull();
    expect(metadataDocumentUrl('http://localhost:8080/client.json', true)).toBeNull();
  });

  it('caches per Cache-Control, clamped to the floor and ceiling', () => {
    expect(cacheSeconds('max-age=600')).toBe(600);
    expect(cacheSeconds('no-store')).toBe(CACHE_FLOOR_SECONDS);
    expect(cacheSeconds('public, max-age=0')).toBe(CACHE_FLOOR_SECONDS);
    expect(cacheSeconds('max-age=99999999')).toBe(CACHE_CEILING_SECONDS);
    expect(cacheSeconds(undefined)).toBe(300);
  });
});
