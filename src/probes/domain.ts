import type { Probe } from './probe.js';

/**
 * Domain terms (medicine, law, finance, chemistry, code identifiers, German) are in the scored pool for the
 * edge check alone: every indexed vocabulary splits them, so they tell no indexed class from another, but a
 * copy extended with a field's words holds each whole and counts fewer tokens.
 */
const DOMAIN_ID_PREFIX = 'domain-';

export function isDomainProbe(probe: Pick<Probe, 'id'>): boolean {
  return probe.id.startsWith(DOMAIN_ID_PREFIX);
}

/** The terms a domain probe holds, each sent after a space (the first after the frame's separator). */
export function domainTermCount(probe: Pick<Probe, 'text'>): number {
  return probe.text.split(' ').filter(Boolean).length;
}

/** The field a domain probe's terms come from (`medicine`, `law`, ...), as its id names it. */
export function domainField(probe: Pick<Probe, 'id'>): string {
  return probe.id.slice(DOMAIN_ID_PREFIX.length).split('-')[0];
}
