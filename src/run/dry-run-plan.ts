import { frameText } from '../probes/frame.js';
import { type Budget, requestLimit } from '../scoring/identify.js';
import { EDGE_PACK_TOKENS } from '../planning/edge-pack.js';
import { stratumPackTokens } from '../planning/pack-size.js';

/**
 * Tokens a chat template may add around one message (role markers, turn separators, BOS), beyond
 * the text itself. A hidden system prompt the product adds is not bounded and not included.
 */
export const TEMPLATE_ALLOWANCE = 64;

export interface PlannedRequest {
  n: number;
  what: string;
  /** The message text when it is known before any answer; adaptive packs depend on the answers. */
  text?: string;
  worstCasePromptTokens: number;
}

export interface DryRunPlan {
  target: string;
  description: string;
  budget: Budget;
  allowancePerRequest: number;
  requests: PlannedRequest[];
  worstCaseTotal: number;
  /**
   * For a run resumed: the requests its record already answers (read from it, not sent again), the prompt tokens
   * they were billed, and whether identical requests were billed differently among them; `requests` and
   * `worstCaseTotal` are then what would be sent after them.
   */
  resumed?: { run: string; answered: number; promptTokens: number; countsMoved: boolean };
  note: string;
}

/**
 * The most the bare frame and a probe pack can be billed, the template allowance included: the largest pack bound
 * a run plans with, a stratum pack grown for a tokenizer outside the index or the check of a leader's vocabulary
 * edges. (The edge check's bound holds the plausible candidates' predictions; the run's own estimate of its cost takes
 * every indexed tokenizer's, which can be higher.)
 */
export function packCosts(frameTokens: number): { frameCost: number; packCost: number } {
  const frameCost = frameTokens + TEMPLATE_ALLOWANCE;
  const largest = Math.max(stratumPackTokens(1).max, EDGE_PACK_TOKENS.max);
  return { frameCost, packCost: frameCost + largest };
}

/** How many requests a run may send once its counts move, where that is more than the request limit. */
export function underNoiseNote(budget: Budget): string {
  const underNoise = requestLimit(budget, true);
  return underNoise > budget.maxQueries
    ? `; if identical requests are billed differently, or counts miss by a few tokens (a hidden prompt that varies), up to ${underNoise} requests (--noise-queries), still within --max-prompt-tokens`
    : '';
}

/**
 * What `identify` may send, before anything is sent: the bare frame (its text known now), then up to
 * `maxQueries - 1` probe packs chosen from the answers. Each cost is the most any indexed reference
 * tokenizer counts for the frame, plus the largest pack, plus the template allowance.
 */
export function dryRunPlan(input: {
  target: string;
  description: string;
  budget: Budget;
  frameTokens: number;
}): DryRunPlan {
  const frame = frameText([]);
  const { frameCost, packCost } = packCosts(input.frameTokens);
  const requests: PlannedRequest[] = [{ n: 1, what: 'bare frame', text: frame, worstCasePromptTokens: frameCost }];
  for (let n = 2; n <= input.budget.maxQueries; n++) {
    requests.push({ n, what: 'probe pack chosen from the answers so far', worstCasePromptTokens: packCost });
  }
  const sum = requests.reduce((total, r) => total + r.worstCasePromptTokens, 0);
  const noise = underNoiseNote(input.budget);
  return {
    target: input.target,
    description: input.description,
    budget: input.budget,
    allowancePerRequest: TEMPLATE_ALLOWANCE,
    requests,
    worstCaseTotal: Math.min(sum, input.budget.maxPromptTokens + packCost),
    note: `costs are the largest count over the indexed reference tokenizers plus ${TEMPLATE_ALLOWANCE} tokens of template per request; a hidden system prompt the product adds is billed on top and is not included; identify stops before a request would pass --max-prompt-tokens by its prediction${noise}`,
  };
}

export function dryRunText(plan: DryRunPlan): string {
  const lines = [`dry run: nothing sent to ${plan.target} (${plan.description})`];
  const resumed = plan.resumed;
  if (resumed)
    lines.push(
      `resuming ${resumed.run}: ${resumed.answered} request${resumed.answered === 1 ? '' : 's'} answered in its record (${resumed.promptTokens.toLocaleString('en-US')} prompt tokens), read from it, not sent again${resumed.countsMoved ? '; identical requests were billed differently, so the limit under noise applies' : ''}`,
    );
  for (const r of plan.requests)
    lines.push(
      `  #${r.n} ${r.what}: at most ${r.worstCasePromptTokens} prompt tokens${r.text !== undefined ? ` — ${JSON.stringify(r.text)}` : ''}`,
    );
  const more = resumed ? ' more' : '';
  lines.push(
    `worst case: ${plan.worstCaseTotal}${more} prompt tokens in ${plan.requests.length}${more} request${plan.requests.length === 1 ? '' : 's'} (budget: --max-queries ${plan.budget.maxQueries}, ${resumed ? `--noise-queries ${plan.budget.noiseQueries ?? plan.budget.maxQueries}, ` : ''}--max-prompt-tokens ${plan.budget.maxPromptTokens})`,
  );
  lines.push(`note: ${plan.note}`);
  return `${lines.join('\n')}\n`;
}
