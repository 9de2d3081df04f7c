/**
 * `compute(a, b)` worked out once per pair of objects, kept only as long as both live: for values derived from an
 * answer and a tokenizer or index that never change.
 */
export function memoPerPair<A extends object, B extends object, R>(compute: (a: A, b: B) => R): (a: A, b: B) => R {
  const byFirst = new WeakMap<A, WeakMap<B, R>>();
  return (a, b) => {
    let bySecond = byFirst.get(a);
    if (!bySecond) byFirst.set(a, (bySecond = new WeakMap()));
    if (bySecond.has(b)) return bySecond.get(b) as R;
    const value = compute(a, b);
    bySecond.set(b, value);
    return value;
  };
}
