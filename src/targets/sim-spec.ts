import { parseBoundedNumber, type NumberRange } from '../util/bounded-number.js';
import { UserError } from '../util/errors.js';
import { CHAT_TEMPLATES } from './chat-templates.js';
import { DEFAULT_SPREAD, VARYING_KINDS, type VaryingKind } from './varying-prompt.js';

/** What `sim:<refId>?template=…&system=…` asks for. */
export interface SimSpec {
  reference: string;
  template: string;
  /** Length of the hidden system prompt in characters (0 for none). */
  systemChars: number;
  seed: number;
  addTokens?: { count: number; donor: string };
  dropMerges?: number;
  preTokenizer?: 'digits' | 'punctuation';
  /** Tokens per streamed chunk (vLLM's `--stream-interval`); 1 when not given. */
  streamInterval?: number;
  /** Alternatives listed beside each logprob token. */
  topLogprobs?: number;
  /** What the simulated API leaves out of its answers, as some gateways do. */
  omit?: SimOmission[];
  /** A live part of the hidden prompt drawn afresh per request (`vary=clock|id|paragraph&spread=N&jumps=p`). */
  varying?: { kind: VaryingKind; spread: number; jumps: number };
}

export const SIM_OMISSIONS = ['usage', 'chunks', 'logprobs'] as const;
export type SimOmission = (typeof SIM_OMISSIONS)[number];

const KNOWN = new Set([
  'template',
  'system',
  'seed',
  'add',
  'donor',
  'drop-merges',
  'pretok',
  'stream-interval',
  'top-logprobs',
  'omit',
  'vary',
  'spread',
  'jumps',
]);

/** The range of each numeric sim: option, shown in --help and enforced here. */
export const SIM_RANGES = {
  /** Hidden system prompt length in characters; the longest real ones are about 100,000. */
  system: { min: 0, max: 200_000, whole: true },
  seed: { min: 0, max: 2 ** 32 - 1, whole: true },
  /** Tokens added from the donor; real vocabulary extensions add up to some tens of thousands. */
  add: { min: 0, max: 100_000, whole: true },
  'drop-merges': { min: 0, max: 1_000_000, whole: true },
  'stream-interval': { min: 1, max: 4096, whole: true },
  /** OpenAI's own ceiling for top_logprobs. */
  'top-logprobs': { min: 0, max: 20, whole: true },
  /** Tokens the live part of the hidden prompt moves either side between requests. */
  spread: { min: 0, max: 1000, whole: true },
  /** Chance per request of a large jump in the live part. */
  jumps: { min: 0, max: 1, whole: false },
} satisfies Record<string, NumberRange>;

function count(value: string, name: keyof typeof SIM_RANGES, spec: string): number {
  return parseBoundedNumber(value, `${spec}: ${name}`, SIM_RANGES[name]);
}

/** Parses the part after `sim:`, e.g. `deepseek-v3?template=chatml&system=1200&add=5000&donor=qwen2.5`. */
export function parseSimSpec(rest: string): SimSpec {
  const spec = `sim:${rest}`;
  const [reference, query = ''] = rest.split('?', 2);
  if (!reference) throw new UserError(`${spec}: name a reference, e.g. sim:deepseek-v3`);
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (!KNOWN.has(key)) throw new UserError(`${spec}: unknown option "${key}"; expected ${[...KNOWN].join(', ')}`);
  }
  const template = params.get('template') ?? 'chatml';
  if (!CHAT_TEMPLATES[template])
    throw new UserError(
      `${spec}: unknown template "${template}"; expected one of ${Object.keys(CHAT_TEMPLATES).join(', ')}`,
    );
  const result: SimSpec = {
    reference,
    template,
    systemChars: params.has('system') ? count(params.get('system')!, 'system', spec) : 0,
    seed: params.has('seed') ? count(params.get('seed')!, 'seed', spec) : 1,
  };
  if (params.has('add')) {
    const donor = params.get('donor');
    if (!donor) throw new UserError(`${spec}: add=N needs donor=<refId>, the vocabulary the new tokens come from`);
    result.addTokens = { count: count(params.get('add')!, 'add', spec), donor };
  }
  if (params.has('drop-merges')) result.dropMerges = count(params.get('drop-merges')!, 'drop-merges', spec);
  if (params.has('stream-interval'))
    result.streamInterval = count(params.get('stream-interval')!, 'stream-interval', spec);
  if (params.has('top-logprobs')) result.topLogprobs = count(params.get('top-logprobs')!, 'top-logprobs', spec);
  const omit = params.get('omit');
  if (omit !== null) {
    const names = omit.split(',').filter(Boolean);
    const bad = names.filter((n) => !(SIM_OMISSIONS as readonly string[]).includes(n));
    if (bad.length || !names.length)
      throw new UserError(`${spec}: omit takes a comma-separated list of ${SIM_OMISSIONS.join(', ')}`);
    result.omit = names as SimOmission[];
  }
  const vary = params.get('vary');
  const spread = params.has('spread') ? count(params.get('spread')!, 'spread', spec) : undefined;
  const jumps = params.has('jumps') ? count(params.get('jumps')!, 'jumps', spec) : undefined;
  if (vary !== null) {
    if (!(VARYING_KINDS as readonly string[]).includes(vary))
      throw new UserError(`${spec}: vary must be one of ${VARYING_KINDS.join(', ')}`);
    const kind = vary as VaryingKind;
    result.varying = { kind, spread: spread ?? DEFAULT_SPREAD[kind], jumps: jumps ?? 0 };
  } else if (spread !== undefined || jumps !== undefined)
    throw new UserError(`${spec}: spread and jumps need vary=${VARYING_KINDS.join('|')}`);
  const pretok = params.get('pretok');
  if (pretok !== null) {
    if (pretok !== 'digits' && pretok !== 'punctuation')
      throw new UserError(`${spec}: pretok must be digits or punctuation`);
    result.preTokenizer = pretok;
  }
  return result;
}
