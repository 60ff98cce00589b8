import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

import { ACCEPTED_CREDENTIALS, IS_PUBLIC } from '../../src/platform/auth/decorators';
import { bootApp, type TestApp } from '../support/app';

interface RouteInfo {
  route: string;
  isPublic: boolean;
  accepts?: string[];
  /** Both markers on the handler itself (a handler-level @Public() may override a controller's @Accepts). */
  contradictory: boolean;
}

/**
 * Deny-by-default only protects what it sees: a route that states no policy silently falls back to
 * "bearer token or API key". Every route must say what it accepts (`@Public()` or `@Accepts(...)`, on the
 * handler or its controller), so that a forgotten decorator is a failing test instead of a reviewer's catch.
 */
describe('Every route states its authentication policy', () => {
  let t: TestApp;
  let routes: RouteInfo[];

  beforeAll(async () => {
    t = await bootApp();
    const discovery = t.app.get(DiscoveryService);
    const scanner = t.app.get(MetadataScanner);
    const reflector = t.app.get(Reflector);
    routes = [];
    for (const wrapper of discovery.getControllers()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      const base = (Reflect.getMetadata(PATH_METADATA, metatype) as string | undefined) ?? '';
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, unknown>)[name] as object;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const targets = [handler, metatype] as Parameters<Reflector['getAllAndOverride']>[1];
        routes.push({
          route: `${method} /${[base, path].filter((p) => p && p !== '/').join('/')} (${metatype.name}.${name})`,
          isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false,
          accepts: reflector.getAllAndOverride<string[]>(ACCEPTED_CREDENTIALS, targets),
          contradictory:
            reflector.get<boolean>(IS_PUBLIC, handler as never) === true &&
            (reflector.get<string[]>(ACCEPTED_CREDENTIALS, handler as never)?.length ?? 0) > 0,
        });
      }
    }
  });

  afterAll(() => t?.close());

  it('finds the application routes', () => {
    // A sanity floor: the scan above must actually see the controllers, or the checks below prove nothing.
    expect(routes.length).toBeGreaterThan(50);
    expect(routes.some((r) => r.route.startsWith('POST /oauth2/token'))).toBe(true);
  });

  it('has no route without @Public() or @Accepts(...)', () => {
    const unstated = routes.filter((r) => !r.isPublic && !r.accepts).map((r) => r.route);
    expect(unstated).toEqual([]);
  });

  it('has no handler that is both @Public() and @Accepts(...)', () => {
    const contradictory = routes.filter((r) => r.contradictory).map((r) => r.route);
    expect(contradictory).toEqual([]);
  });
});
