import { AsyncResource } from 'node:async_hooks';

type Bind = (this: AsyncResource, fn: (...args: unknown[]) => unknown, thisArg?: unknown) => unknown;

/** Runs `fn` in the resource's scope with the caller's `this`, as Node's own bound function does. */
function scoped(resource: AsyncResource, fn: (...args: unknown[]) => unknown) {
  return function (this: unknown, ...args: unknown[]): unknown {
    return resource.runInAsyncScope(fn, this, ...args);
  };
}

/**
 * Node 20's `AsyncResource#bind` defines the deprecated `asyncResource` property of the bound function
 * (DEP0172) through two `util.deprecate` wrappers built on every call, each re-parented with
 * `Object.setPrototypeOf` onto a fresh closure: a new hidden-class transition per call. Fastify binds
 * one resource per request body (its content-type parser), so every POST paid it — measured here at
 * ~26-40 µs per call against ~1.8 µs for the same function with a plain value property, as later Node
 * versions define it.
 *
 * Installed only where the deprecated accessor is present (feature-detected, not by version), with the
 * same behaviour: the bound function runs `fn` in the resource's async scope with the same `this` and
 * arguments; `length` and `asyncResource` are as before, minus the deprecation warning on access.
 */
export function installFastAsyncResourceBind(): boolean {
  const probe = new AsyncResource('iiniit:probe').bind(() => undefined);
  const descriptor = Object.getOwnPropertyDescriptor(probe, 'asyncResource');
  if (!descriptor || descriptor.get === undefined) return false;
  const bind: Bind = function (this: AsyncResource, fn, thisArg) {
    if (typeof fn !== 'function') {
      throw new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`);
    }
    const bound = thisArg === undefined ? scoped(this, fn) : this.runInAsyncScope.bind(this, fn, thisArg);
    Object.defineProperties(bound, {
      length: { configurable: true, enumerable: false, value: fn.length, writable: false },
      asyncResource: { configurable: true, enumerable: true, value: this, writable: true },
    });
    return bound;
  };
  (AsyncResource.prototype as unknown as { bind: Bind }).bind = bind;
  return true;
}
