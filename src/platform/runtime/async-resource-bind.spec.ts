import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';

import { installFastAsyncResourceBind } from './async-resource-bind';

describe('installFastAsyncResourceBind', () => {
  const original = Object.getOwnPropertyDescriptor(AsyncResource.prototype, 'bind')!;
  afterAll(() => {
    Object.defineProperty(AsyncResource.prototype, 'bind', original);
  });

  it('keeps the async context, this, arguments, length and asyncResource of a bound function', () => {
    installFastAsyncResourceBind();
    const storage = new AsyncLocalStorage<string>();
    const resource = storage.run('inside', () => new AsyncResource('test'));
    function target(this: unknown, a: number, b: number): [unknown, string | undefined, number] {
      return [this, storage.getStore(), a + b];
    }
    const bound = resource.bind(target) as unknown as (this: unknown, a: number, b: number) => unknown;
    const self = { me: true };
    expect(storage.run('outside', () => bound.call(self, 1, 2))).toEqual([self, 'inside', 3]);
    expect(bound.length).toBe(2);
    expect((bound as unknown as { asyncResource: AsyncResource }).asyncResource).toBe(resource);

    const bindWithThis = resource.bind.bind(resource) as unknown as (
      fn: unknown,
      thisArg: unknown,
    ) => unknown;
    const withThis = bindWithThis(target, 'fixed') as (a: number, b: number) => unknown;
    expect(storage.run('outside', () => withThis(2, 3))).toEqual(['fixed', 'inside', 5]);
  });

  // By message, not class: Node's AsyncResource is shared by every test file of a Jest worker, so the installed
  // function may come from another file's realm, with that realm's TypeError.
  it('rejects what is not a function', () => {
    installFastAsyncResourceBind();
    expect(() => new AsyncResource('test').bind(42 as unknown as () => void)).toThrow(
      /must be of type function/,
    );
  });

  it('defines asyncResource as a plain value, not the per-call deprecation accessor', () => {
    installFastAsyncResourceBind();
    const bound = new AsyncResource('test').bind(() => undefined);
    const descriptor = Object.getOwnPropertyDescriptor(bound, 'asyncResource');
    expect(descriptor !== undefined && 'get' in descriptor).toBe(false);
    expect(descriptor?.value).toBeInstanceOf(AsyncResource);
  });
});
