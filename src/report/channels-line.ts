import { offersText } from '../scoring/channels/offered.js';
import type { ChannelDiscovery } from '../scoring/channels/runtime.js';

/** One line on what the first answer showed the target gives and what the run reads of it. */
export function channelsLine(discovery: ChannelDiscovery): string {
  const gives = `the target gives ${offersText(discovery.offered)}${discovery.discovered ? '' : ' (of what was asked)'}`;
  const reading = discovery.reading.length
    ? `reading ${discovery.reading.join(', ')}`
    : 'no channel it gives can be read, so the run cannot name a tokenizer';
  const missing = discovery.missing.length
    ? `; ${discovery.missing.join(', ')} asked for but not given, so ${discovery.missing.length === 1 ? 'it reads' : 'they read'} nothing`
    : '';
  return `${gives}${missing}; ${reading}`;
}
