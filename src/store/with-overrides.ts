/**
 * `target` with the members in `overrides` replaced; every other member read from `target`, its
 * methods bound to it (a class's methods keep their `this`). Decorators of the store's ports use
 * it, so that a port that gains a method keeps working through them.
 */
export function withOverrides<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, name) {
      if (Object.hasOwn(overrides, name)) return overrides[name as keyof T];
      const value = Reflect.get(object, name, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
