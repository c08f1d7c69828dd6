// The slice of the Reflect metadata API that tsyringe (under @peculiar/x509) needs; import before '@peculiar/x509'.
type MetaMap = Map<unknown, unknown>;
const store = new WeakMap<object, Map<PropertyKey | undefined, MetaMap>>();
const own = (target: object, prop: PropertyKey | undefined, create: boolean): MetaMap | undefined => {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map()));
  let map = byProp?.get(prop);
  if (!map && create && byProp) byProp.set(prop, (map = new Map()));
  return map;
};
const R = Reflect as unknown as Record<string, unknown>;
// a real polyfill (reflect-metadata, core-js) loaded elsewhere wins
if (typeof R.getMetadata !== 'function') {
  R.defineMetadata = (key: unknown, value: unknown, target: object, prop?: PropertyKey) => void own(target, prop, true)!.set(key, value);
  R.getOwnMetadata = (key: unknown, target: object, prop?: PropertyKey) => own(target, prop, false)?.get(key);
  R.getMetadata = (key: unknown, target: object, prop?: PropertyKey) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const m = own(t, prop, false);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
}
export {};
