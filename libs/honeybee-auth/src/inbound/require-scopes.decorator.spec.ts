import type { ExecutionContext, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  IS_PUBLIC_KEY,
  PUBLIC_KEY,
  Public,
  RequireAnyScope,
  RequireScopes,
  readRouteAuthorization,
  unmetScopes,
} from './require-scopes.decorator.js';

const reflector = new Reflector();

function routeOf(controller: Type<unknown>, method: string) {
  const context = {
    getHandler: () => (controller.prototype as Record<string, unknown>)[method],
    getClass: () => controller,
  } as unknown as ExecutionContext;
  return readRouteAuthorization(reflector, context);
}

describe('scope decorators', () => {
  it('merges controller and handler all-of scopes (both apply)', () => {
    @RequireScopes('orders:read')
    class Orders {
      @RequireScopes('orders:write')
      create() {}
      list() {}
    }
    expect(routeOf(Orders, 'create')).toEqual({
      public: false,
      allOf: ['orders:read', 'orders:write'],
      anyOf: [],
    });
    expect(routeOf(Orders, 'list')).toEqual({ public: false, allOf: ['orders:read'], anyOf: [] });
  });

  it('adds up stacked decorators on one target instead of keeping the last', () => {
    class C {
      @RequireScopes('a')
      @RequireScopes('b', 'a')
      m() {}
    }
    expect(routeOf(C, 'm').allOf).toEqual(['a', 'b']);
  });

  it('keeps each any-of group, from the handler and the controller', () => {
    @RequireAnyScope('a', 'b')
    class C {
      @RequireAnyScope('c', 'd')
      @RequireAnyScope('e')
      m() {}
    }
    const route = routeOf(C, 'm');
    expect(route.anyOf).toHaveLength(3);
    expect(route.anyOf).toEqual(expect.arrayContaining([['a', 'b'], ['c', 'd'], ['e']]));
  });

  it('keeps a base controller requirement on a subclass that adds its own', () => {
    @RequireScopes('base')
    class Base {}
    @RequireScopes('child')
    class Child extends Base {
      m() {}
    }
    expect(routeOf(Child, 'm').allOf).toEqual(['base', 'child']);
  });

  it('needs no scope and is not public without decorators', () => {
    class C {
      m() {}
    }
    expect(routeOf(C, 'm')).toEqual({ public: false, allOf: [], anyOf: [] });
  });

  describe('@Public()', () => {
    it('sets IS_PUBLIC_KEY, which the deprecated PUBLIC_KEY still names', () => {
      class C {
        @Public()
        health() {}
      }
      expect(Reflect.getMetadata(IS_PUBLIC_KEY, C.prototype.health)).toBe(true);
      expect(PUBLIC_KEY).toBe(IS_PUBLIC_KEY);
      expect(IS_PUBLIC_KEY).toBe('honeybee-auth:public');
    });

    it('opens a handler, even in a controller that names scopes', () => {
      @RequireScopes('admin')
      class C {
        @Public()
        health() {}
      }
      expect(routeOf(C, 'health').public).toBe(true);
    });

    it('on a controller opens the handlers that name no scope', () => {
      @Public()
      class C {
        open() {}
        @RequireScopes('admin')
        closed() {}
        @RequireScopes()
        authenticated() {}
      }
      expect(routeOf(C, 'open').public).toBe(true);
      expect(routeOf(C, 'closed')).toEqual({ public: false, allOf: ['admin'], anyOf: [] });
      expect(routeOf(C, 'authenticated')).toEqual({ public: false, allOf: [], anyOf: [] });
    });

    it('on a base controller is not inherited: a subclass requires a token (fail closed)', () => {
      @Public()
      class BasePublic {
        status() {}
      }
      class Admin extends BasePublic {
        users() {}
      }
      expect(routeOf(BasePublic, 'status').public).toBe(true);
      expect(routeOf(Admin, 'users')).toEqual({ public: false, allOf: [], anyOf: [] });
      // The inherited handler is served under the subclass: not public either.
      expect(routeOf(Admin, 'status').public).toBe(false);
    });

    it('is inherited with the handler it marks, until a subclass overrides that handler', () => {
      class Base {
        @Public()
        ping() {}
        @Public()
        version() {}
      }
      @RequireScopes('admin')
      class Admin extends Base {
        override version() {}
      }
      expect(routeOf(Admin, 'ping').public).toBe(true);
      expect(routeOf(Admin, 'version')).toEqual({ public: false, allOf: ['admin'], anyOf: [] });
    });

    it('a subclass marked @Public() itself is public; scopes stay inherited', () => {
      @RequireScopes('base')
      class Base {}
      @Public()
      class Open extends Base {
        m() {}
      }
      // The inherited scope names a requirement on the controller: the contradiction fails closed.
      expect(routeOf(Open, 'm')).toEqual({ public: false, allOf: ['base'], anyOf: [] });
      @Public()
      class PlainOpen {}
      class OpenChild extends PlainOpen {}
      @Public()
      class OpenAgain extends OpenChild {
        m() {}
      }
      expect(routeOf(OpenAgain, 'm').public).toBe(true);
    });

    it('fails closed when one target carries both @Public() and scopes', () => {
      class C {
        @Public()
        @RequireScopes('admin')
        m() {}
      }
      @Public()
      @RequireAnyScope('x')
      class D {
        m() {}
      }
      expect(routeOf(C, 'm')).toMatchObject({ public: false, allOf: ['admin'] });
      expect(routeOf(D, 'm')).toMatchObject({ public: false, anyOf: [['x']] });
    });
  });

  describe('validation at decoration time', () => {
    it.each([[''], ['has space'], ['quo"te'], ['back\\slash'], ['tab\there'], ['é']])(
      'refuses the scope %j',
      (scope) => {
        expect(() => RequireScopes('ok', scope)).toThrow(TypeError);
        expect(() => RequireAnyScope(scope)).toThrow(/not a valid OAuth scope/);
      },
    );

    it('refuses a non-string scope', () => {
      expect(() => RequireScopes(42 as unknown as string)).toThrow(/42 is not a valid OAuth scope/);
    });

    it('refuses an empty any-of list (it could never be satisfied)', () => {
      expect(() => RequireAnyScope()).toThrow(/at least one scope/);
      expect(() => RequireScopes()).not.toThrow();
    });
  });

  describe('unmetScopes', () => {
    const route = { allOf: ['a', 'b'], anyOf: [['c', 'd'], ['e']] };

    it('is undefined when every requirement is met', () => {
      expect(unmetScopes(route, ['a', 'b', 'd', 'e', 'z'])).toBeUndefined();
      expect(unmetScopes({ allOf: [], anyOf: [] }, [])).toBeUndefined();
    });

    it('names the missing all-of scopes and the unmet any-of groups', () => {
      expect(unmetScopes(route, ['a', 'c'])).toEqual({ allOf: ['b'], anyOf: [['e']] });
    });
  });
});
