import { createTokenizer } from '../references/formats/index.js';
import { resolveTokenizerSource } from '../references/local-source.js';
import type { ReferenceEntry } from '../references/manifest.js';
import type { Tokenizer, TokenizerFiles } from '../references/tokenizer.js';
import { UserError } from '../util/errors.js';
import { seededRng } from '../util/rng.js';
import { chatTemplate } from './chat-templates.js';
import { createHttpTarget } from './http/create-http-target.js';
import type { HttpTargetOptions } from './http/http-options.js';
import { HTTP_SCHEMES, httpScheme } from './http/protocols.js';
import { shownTarget } from './http/secrets.js';
import type { WireLog } from './http/wire-entry.js';
import { simulatedTarget } from './sim-target.js';
import { parseSimSpec, type SimSpec } from './sim-spec.js';
import { varyingPrompt } from './varying-prompt.js';
import { hiddenSystemPrompt } from './system-prompts.js';
import type { Target } from './target.js';
import { tokenizerTarget } from './tokenizer-target.js';
import { applyVocabularyChanges, type VocabularyChange } from './vocabulary-changes.js';

/** What building a target may need from outside: the reference store and the user's environment. */
export interface TargetDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** An indexed reference's manifest entry and files; throws a UserError for an unknown id. */
  reference(id: string): Promise<{ entry: ReferenceEntry; files: TokenizerFiles }>;
  /** Options for HTTP targets (`--model`, `--api-key-env`, retries, …). */
  http?: HttpTargetOptions;
  /** Where HTTP targets record every exchange before using it. */
  wire?: WireLog;
  /** Send a target's detection probes while building it (default true); a dry run sends nothing. */
  probe?: boolean;
}

/** Shows the point of the tool: a product's own template and instructions around DeepSeek V3's tokenizer. */
export const DEFAULT_TARGET = 'sim:deepseek-v3?template=house&system=1400&seed=7';

export const TARGET_SCHEMES = ['sim', 'tokenizer', ...HTTP_SCHEMES.map((s) => s.scheme)] as const;

/** The one switch from a target id (`scheme:rest`) to its adapter. */
export async function createTarget(id: string, deps: TargetDeps): Promise<Target> {
  const colon = id.indexOf(':');
  const scheme = colon > 0 ? id.slice(0, colon) : '';
  const rest = colon > 0 ? id.slice(colon + 1) : '';
  switch (scheme) {
    case 'sim':
      return createSimTarget(id, parseSimSpec(rest), deps);
    case 'tokenizer':
      return createTokenizerTarget(id, rest, deps);
    default: {
      const http = httpScheme(scheme);
      if (http) {
        const target = createHttpTarget(id, http, rest, {
          cwd: deps.cwd,
          env: deps.env,
          options: deps.http,
          wire: deps.wire,
        });
        if (deps.probe !== false) await target.prepare?.();
        return target;
      }
      throw new UserError(
        `unknown target "${shownTarget(id)}"; expected ${TARGET_SCHEMES.map((s) => `${s}:…`).join(' or ')} (e.g. sim:deepseek-v3 or tokenizer:./tokenizer.json)`,
      );
    }
  }
}

async function loadTokenizer(
  deps: TargetDeps,
  referenceId: string,
): Promise<{ entry: ReferenceEntry; files: TokenizerFiles; tokenizer: Tokenizer }> {
  const { entry, files } = await deps.reference(referenceId);
  return { entry, files, tokenizer: createTokenizer(entry.format, files, entry.tiktoken) };
}

export async function createSimTarget(id: string, spec: SimSpec, deps: TargetDeps): Promise<Target> {
  const base = await loadTokenizer(deps, spec.reference);
  const changes: VocabularyChange[] = [];
  if (spec.addTokens) {
    const donor = await loadTokenizer(deps, spec.addTokens.donor);
    changes.push({
      kind: 'add-tokens',
      count: spec.addTokens.count,
      donor: donor.tokenizer,
      donorId: spec.addTokens.donor,
    });
  }
  if (spec.dropMerges) changes.push({ kind: 'drop-merges', count: spec.dropMerges });
  if (spec.preTokenizer) changes.push({ kind: 'pre-tokenizer', split: spec.preTokenizer });
  if (changes.length && base.entry.format !== 'hf-json') {
    throw new UserError(
      `${id}: vocabulary changes need a tokenizer.json reference, and ${spec.reference} is ${base.entry.format}`,
    );
  }
  const tokenizer = changes.length ? applyVocabularyChanges(base.files, base.tokenizer, changes) : base.tokenizer;
  return simulatedTarget({
    id,
    description: `simulated chat API on ${spec.reference}${changes.length ? ' (modified vocabulary)' : ''}, ${spec.template} template, ${spec.systemChars}-character hidden system prompt${spec.varying ? `, a ${spec.varying.kind} in it varying per request by about ${spec.varying.spread} tokens${spec.varying.jumps ? ` (jumps ${spec.varying.jumps})` : ''}` : ''}`,
    tokenizer,
    template: chatTemplate(spec.template),
    hiddenSystemPrompt: hiddenSystemPrompt(spec.systemChars, seededRng(spec.seed)),
    ...(spec.varying && { varyingPrompt: varyingPrompt({ ...spec.varying, seed: spec.seed }, tokenizer) }),
    answers: { seed: spec.seed, streamInterval: spec.streamInterval, topLogprobs: spec.topLogprobs },
    ...(spec.omit && { omit: spec.omit }),
  });
}

async function createTokenizerTarget(id: string, path: string, deps: TargetDeps): Promise<Target> {
  if (!path) throw new UserError(`${id}: give a tokenizer file or model directory, e.g. tokenizer:./tokenizer.json`);
  const source = await resolveTokenizerSource(path, { cwd: deps.cwd, env: deps.env });
  const tokenizer = createTokenizer(source.format, {
    main: source.files.main.bytes,
    config: source.files.config?.bytes,
  });
  return tokenizerTarget(id, `local tokenizer ${path} (${source.format}), counted without a template`, tokenizer);
}
