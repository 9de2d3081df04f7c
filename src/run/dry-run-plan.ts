import { frameText } from '../probes/frame.js';
import { type Budget, requestLimit } from '../scoring/identify.js';
import { PACK_TOKENS } from '../planning/pack-size.js';

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
  note: string;
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
  const frameCost = input.frameTokens + TEMPLATE_ALLOWANCE;
  const packCost = frameCost + PACK_TOKENS.max;
  const requests: PlannedRequest[] = [{ n: 1, what: 'bare frame', text: frame, worstCasePromptTokens: frameCost }];
  for (let n = 2; n <= input.budget.maxQueries; n++) {
    requests.push({ n, what: 'probe pack chosen from the answers so far', worstCasePromptTokens: packCost });
  }
  const sum = requests.reduce((total, r) => total + r.worstCasePromptTokens, 0);
  const underNoise = requestLimit(input.budget, true);
  const noise =
    underNoise > input.budget.maxQueries
      ? `; if identical requests are billed differently (a hidden prompt that varies), up to ${underNoise} requests (--noise-queries), still within --max-prompt-tokens`
      : '';
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
  for (const r of plan.requests)
    lines.push(
      `  #${r.n} ${r.what}: at most ${r.worstCasePromptTokens} prompt tokens${r.text !== undefined ? ` — ${JSON.stringify(r.text)}` : ''}`,
    );
  lines.push(
    `worst case: ${plan.worstCaseTotal} prompt tokens in ${plan.requests.length} requests (budget: --max-queries ${plan.budget.maxQueries}, --max-prompt-tokens ${plan.budget.maxPromptTokens})`,
  );
  lines.push(`note: ${plan.note}`);
  return `${lines.join('\n')}\n`;
}
