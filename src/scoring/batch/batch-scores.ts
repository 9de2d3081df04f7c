/** The count posterior of N observation sets over M groups, flat: entry n * M + m. */
export interface BatchScores {
  sets: number;
  groups: number;
  match: Float64Array;
  derived: Float64Array;
  unknown: Float64Array;
  /** The constant that best explains set n under group m. */
  offset: Float64Array;
}

export function emptyScores(sets: number, groups: number): BatchScores {
  return {
    sets,
    groups,
    match: new Float64Array(sets * groups),
    derived: new Float64Array(sets * groups),
    unknown: new Float64Array(sets),
    offset: new Float64Array(sets * groups),
  };
}
