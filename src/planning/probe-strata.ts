import { isDomainProbe } from '../probes/domain.js';
import { STRATA, stratumOf, type Probe, type Stratum } from '../probes/probe.js';

export interface ProbeStrata {
  /** Each probe's category, by probe index. */
  labels: string[];
  /** The probe indices of each stratum, in pool order; domain terms are the edge check's alone. */
  byStratum: Map<Stratum, number[]>;
}

/** Keyed on the probe list object (an index's `probes`): a pool loaded again is sorted again. */
const strataByPool = new WeakMap<readonly Probe[], ProbeStrata>();

/** Each probe's category and the probes of each stratum in pool order, worked out once per pool. */
export function probeStrata(probes: readonly Probe[]): ProbeStrata {
  let strata = strataByPool.get(probes);
  if (!strata) {
    const byStratum = new Map<Stratum, number[]>(STRATA.map((stratum) => [stratum, []]));
    probes.forEach((probe, i) => {
      if (!isDomainProbe(probe)) byStratum.get(stratumOf(probe.category))!.push(i);
    });
    strata = { labels: probes.map((probe) => probe.category), byStratum };
    strataByPool.set(probes, strata);
  }
  return strata;
}
