import { defineChannel } from './channel.js';

/** The billed prompt count of each probe pack: the count posterior scores it, so it has no scorer here. */
export const usageChannel = defineChannel({
  name: 'usage',
  help: 'the billed prompt count of each probe pack (the core of identification; on by default)',
  asks: {},
  promptOnly: true,
  seen: false,
  needsEncoder: false,
  impliedBy: 'always',
});
