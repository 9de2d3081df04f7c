import type { Stratum } from '../probes/probe.js';

/** The next request as planned: its probes, what it is expected to tell, and its largest predicted count. */
export interface PlannedRequest {
  stratum: Stratum | 'edge' | 'core';
  pack: number[];
  gain: number;
  cost: number;
  /** For an edge or core check: the class it tests (its first reference), the one leading when it was planned. */
  tested?: string;
  /** Asked of the target past any cached answer (a pack asked again). */
  fresh?: boolean;
}

/** What planning reads of a request already sent: what it held ('frame', a stratum, 'edge') and, for an edge check, what it tested. */
export interface SentRequest {
  stratum: string;
  tested?: string;
}
