/**
 * The small JSON path subset a gateway spec uses to point at one value: `usage.prompt_tokens`,
 * `choices[0].message.content`, `$.data["token-count"]`. One path names exactly one value: no wildcards,
 * filters or recursive descent, so there is nothing to evaluate and nothing to choose between.
 */
export type PathSegment = string | number;

const NAME = /^[A-Za-z_$][\w$-]*/;

/** The path's segments, or a sentence saying what is wrong with it. */
export function parseJsonPath(path: string): PathSegment[] | string {
  let rest = path.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  const segments: PathSegment[] = [];
  let first = true;
  while (rest.length) {
    if (rest.startsWith('[')) {
      const index = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
      if (index) segments.push(Number(index[1]));
      else if (quoted) segments.push(JSON.parse(quoted[1]) as string);
      else return `"${path}" has a bracket that is neither [N] nor ["key"]`;
      rest = rest.slice((index ?? quoted)![0].length);
    } else {
      if (rest.startsWith('.')) rest = rest.slice(1);
      else if (!first) return `"${path}" needs a dot or a bracket before "${rest}"`;
      const name = NAME.exec(rest);
      if (!name) return `"${path}" has no key name at "${rest}"`;
      segments.push(name[0]);
      rest = rest.slice(name[0].length);
    }
    first = false;
  }
  if (!segments.length) return `"${path}" names no value`;
  return segments;
}

/** The value the path names, or undefined when any step is missing. */
export function readJsonPath(value: unknown, segments: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}
