import type { Engine } from '../scoring/batch/engine.js';
import type { ChannelRuntime } from '../scoring/channels/runtime.js';
import { type Budget, requestLimit } from '../scoring/identify.js';
import type { CountIndex } from '../signatures/count-index.js';
import { billedPromptTokens } from '../targets/billed-tokens.js';
import { resumableTarget } from '../targets/resumable-target.js';
import type { Target, TargetRequest } from '../targets/target.js';
import { seededRng } from '../util/rng.js';
import { identify } from './driver.js';
import { type DryRunPlan, type PlannedRequest, packCosts, TEMPLATE_ALLOWANCE, underNoiseNote } from './dry-run-plan.js';
import type { RequestRole } from './protocol.js';
import type { RecordEntry } from './run-record.js';

/** The first request a resumed run would send to the target: where replaying its record ends. */
class GoesLive extends Error {
  constructor(readonly request: TargetRequest) {
    super('the resumed run would send this request to the target');
  }
}

function described(role: RequestRole, request: TargetRequest, counted: number): string {
  if (role === 'repeat-frame') return 'the bare frame again, to check the counts';
  if (role === 'repeat-stray') return `the probes of request #${request.repeatOf} again, to check its stray`;
  if (role === 'follow-up') return `follow-up of request #${request.followUpOf}`;
  return counted ? 'probe pack chosen from the answers recorded' : 'bare frame';
}

/**
 * What a resumed run would send, sending nothing: its recorded answers replayed through the same loop, seed and
 * budget as the resumed run replays them, up to the first request not answered in the record. That request is
 * known exactly; those after it depend on its answer. The limit on requests is the one the loop is under by then
 * (raised under noise).
 */
export async function resumePlan(input: {
  run: string;
  target: Target;
  index: CountIndex;
  budget: Budget;
  seed: number;
  entries: readonly RecordEntry[];
  channels?: ChannelRuntime;
  engine?: Engine;
  /** The most any indexed reference tokenizer counts for the bare frame. */
  frameTokens: number;
}): Promise<DryRunPlan> {
  const offline: Target = {
    id: input.target.id,
    description: input.target.description,
    get offers() {
      return input.target.offers;
    },
    send: async (request) => {
      throw new GoesLive(request);
    },
  };
  let answered = 0;
  let spentTokens = 0;
  let counted = 0;
  /** The last request the loop asked for (the one that went live, when one did): its role, and the run's limit then. */
  const last: { role: RequestRole; limit: number; moved: boolean } = {
    role: 'count',
    limit: input.budget.maxQueries,
    moved: false,
  };
  let next: TargetRequest | undefined;
  try {
    await identify({
      target: resumableTarget(offline, { append: () => {} }, input.entries),
      index: input.index,
      budget: input.budget,
      rng: seededRng(input.seed),
      channels: input.channels,
      engine: input.engine,
      onStep: (step) => {
        if (step.kind === 'request')
          Object.assign(last, { role: step.role, limit: step.limit, moved: step.countsMoved });
        if (step.kind !== 'answer') return;
        answered++;
        const billed = step.response.usage?.promptTokens;
        spentTokens += billedPromptTokens([billed]);
        if (step.role === 'count') counted++;
      },
    });
  } catch (error) {
    if (!(error instanceof GoesLive)) throw error;
    next = error.request;
  }
  const { frameCost, packCost } = packCosts(input.frameTokens);
  const { limit, moved } = last;
  const requests: PlannedRequest[] = [];
  if (next) {
    const first = answered + 1;
    const text = next.messages.at(-1)?.content;
    requests.push({
      n: first,
      what: described(last.role, next, counted),
      ...(typeof text === 'string' && { text }),
      worstCasePromptTokens: last.role === 'repeat-frame' || !counted ? frameCost : packCost,
    });
    for (let n = first + 1; n <= limit; n++)
      requests.push({ n, what: 'probe pack chosen from the answers so far', worstCasePromptTokens: packCost });
  }
  const sum = requests.reduce((total, r) => total + r.worstCasePromptTokens, 0);
  const left = Math.max(0, input.budget.maxPromptTokens - spentTokens);
  const ended = next
    ? ''
    : '; the recorded answers reach the end of the run, so resuming it sends nothing and only writes the verdict';
  return {
    target: input.target.id,
    description: input.target.description,
    budget: input.budget,
    allowancePerRequest: TEMPLATE_ALLOWANCE,
    requests,
    worstCaseTotal: Math.min(sum, left + (requests.length ? packCost : 0)),
    resumed: { run: input.run, answered, promptTokens: spentTokens, countsMoved: moved },
    note: `the first request listed is the one the resumed run sends next, given its recorded answers; the later ones depend on its answer; costs are the largest count over the indexed reference tokenizers plus ${TEMPLATE_ALLOWANCE} tokens of template per request, a hidden system prompt on top${ended}${moved || limit >= requestLimit(input.budget, true) ? '' : underNoiseNote(input.budget)}`,
  };
}
