import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import { WEIGHTS_METHOD, weightFacts } from './weight-facts.js';
import { sha256Hex } from '../util/hash.js';
import { hypotheses, isWhiteBox, percent, plainVerdict, reportFlags } from './report-facts.js';
import type { RunReport } from '../run/run-report.js';
import { whiteBoxRows } from './white-box-facts.js';
import { noiseFacts } from './noise-line.js';

const TOOL_REF = 'tool:tokprint';
const TARGET_REF = 'model:target';
const BASE_REF = 'model:base';

/** The same run always gets the same serial number, so a re-rendered BOM is the same BOM. */
function serialNumber(report: RunReport): string {
  const digest = report.transcript.digest.state === 'none' ? '' : report.transcript.digest.sha256;
  const h = sha256Hex(JSON.stringify([report.settings.target, report.verdict.verdict, report.started, digest]));
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function property(name: string, value: string | number): Models.Property {
  return new Models.Property(`tokprint:${name}`, String(value));
}

/**
 * The ancestor the evidence supports: a base model with this tokenizer, named by the tokenizer and its
 * family. The models known to use that tokenizer are candidates, listed, never named as the ancestor: a
 * tokenizer is shared by every size and release of a family, so the evidence cannot pick one.
 */
function baseModel(report: RunReport): Models.Component | undefined {
  const v = report.verdict.verdict;
  if ((v.status !== 'match' && v.status !== 'derived') || !v.reference) return undefined;
  const base = new Models.Component(
    Enums.ComponentType.MachineLearningModel,
    `a base model with the ${v.reference} tokenizer${v.family ? ` (${v.family} family)` : ''}`,
    {
      bomRef: BASE_REF,
      description: `Base model lineage: a model built on the ${v.reference} tokenizer${v.models.length ? `; candidates, models known to use it: ${v.models.join(', ')}` : ''}. Which of them, or another model with the same tokenizer, the evidence does not show.`,
    },
  );
  base.properties.add(property('tokenizer.reference', v.reference));
  if (v.family) base.properties.add(property('tokenizer.family', v.family));
  for (const member of v.class) base.properties.add(property('tokenizer.class-member', member));
  for (const model of v.models) base.properties.add(property('tokenizer.candidate-model', model));
  return base;
}

/** For a derived tokenizer, its changes against the ancestor's, as the 1.6 pedigree's patch (not the ancestor's makers' own). */
function derivedPatch(report: RunReport): Record<string, unknown>[] | undefined {
  const v = report.verdict.verdict;
  if (v.status !== 'derived') return undefined;
  const compared = isWhiteBox(report)
    ? whiteBoxRows(report).find((r) => r.reference === v.reference)?.comparison
    : undefined;
  const content =
    compared ??
    `Some probe counts fit the ${v.reference} tokenizer exactly and others do not: tokens were added to or changed in it.`;
  return [{ type: 'unofficial', diff: { text: { contentType: 'text/plain', content } } }];
}

/**
 * A CycloneDX 1.6 ML-BOM for the target model. The library builds and normalises every part it
 * models; `pedigree` and `evidence.identity` it does not model yet, so they are added to its
 * normalised component, in the 1.6 schema's shape.
 */
export function renderCycloneDx(report: RunReport): string {
  const v = report.verdict.verdict;
  const plain = plainVerdict(report);
  const whiteBox = isWhiteBox(report);

  const tool = new Models.Component(Enums.ComponentType.Application, report.tool.name, {
    bomRef: TOOL_REF,
    version: report.tool.version,
    description: 'Tells which base LLM a product is built on from its tokenizer fingerprint.',
  });
  const target = new Models.Component(Enums.ComponentType.MachineLearningModel, report.settings.target, {
    bomRef: TARGET_REF,
    description: report.settings.description || undefined,
  });
  const flags = reportFlags(report);
  for (const note of flags) target.properties.add(property('verdict.flag', note.flag));
  target.properties.add(property('verdict.status', v.status));
  target.properties.add(property('verdict.confidence', v.confidence));
  target.properties.add(property('verdict.summary', plain.headline));
  target.properties.add(property('run.requests', report.spent.requests));
  target.properties.add(property('run.prompt-tokens', report.spent.promptTokens));
  const noise = noiseFacts(report.verdict.noise);
  if (noise) {
    target.properties.add(property('noise.spread-tokens', noise.spread));
    target.properties.add(property('noise.frame-repeats', noise.frameRepeats));
    target.properties.add(property('noise.stray-checks', noise.strayChecks));
    target.properties.add(property('noise.prompt-tokens', noise.promptTokens));
    target.properties.add(property('noise.summary', noise.summary));
    if (noise.reason) target.properties.add(property('noise.reason', noise.reason));
  }
  // answers from the answer cache stood in for the target: a reader of the BOM must see it
  if (v.replayed) target.properties.add(property('run.replayed-answers', v.replayed));
  if (report.transcript.digest.state !== 'none')
    target.properties.add(property('run.transcript-sha256', report.transcript.digest.sha256));

  for (const name of report.servedModels) target.properties.add(property('target.model-stated', name));
  if (report.settings.index) target.properties.add(property('run.index-sha256', report.settings.index.sha256));

  const bom = new Models.Bom({ serialNumber: serialNumber(report) });
  bom.metadata.timestamp = report.finished ? new Date(report.finished) : undefined;
  bom.metadata.tools.components.add(tool);
  // the audited target is what the BOM describes
  bom.metadata.component = target;
  if (report.settings.operator)
    bom.metadata.authors.add(new Models.OrganizationalContact({ name: report.settings.operator }));

  const factory = new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6);
  const normalized = factory.makeForBom().normalize(bom, { sortLists: true });
  // the 1.6 fields the library does not model are added to its own normalised target component
  const component = normalized.metadata!.component as unknown as Record<string, unknown>;

  const base = baseModel(report);
  const warnings = flags.map((n) => `Warning (${n.flag}): ${n.text} `).join('');
  const notes = `${warnings}${plain.proves} Not shown: ${plain.doesNotProve[0].toLowerCase()}${plain.doesNotProve.slice(1)}`;
  const patches = derivedPatch(report);
  component.pedigree = base
    ? {
        ancestors: [factory.makeForComponent().normalize(base, { sortLists: true })],
        ...(patches && { patches }),
        notes,
      }
    : { notes };
  if (base) {
    const runnerUp = whiteBox ? undefined : hypotheses(report).find((h) => h.reference !== v.reference);
    const technique = whiteBox ? 'binary-analysis' : 'dynamic-analysis';
    const how = whiteBox
      ? 'its files, ranked against the indexed reference tokenizers by vocabulary and compared in full (vocabulary, merges, segmentation) with the closest'
      : `prompt tokens billed by the target for ${report.spent.requests} requests of probe texts`;
    component.evidence = {
      identity: [
        {
          field: 'name',
          confidence: v.confidence,
          concludedValue: base.name,
          methods: [
            {
              technique,
              confidence: v.confidence,
              value: `${warnings}${v.status === 'match' ? 'Matched' : 'Partly matched'} the ${v.reference} tokenizer from ${how}${runnerUp ? `; next candidate ${runnerUp.reference} at ${percent(runnerUp.posterior)}` : ''}. Tokenizer lineage, not which fine-tune.`,
            },
          ],
          tools: [TOOL_REF],
        },
      ],
    };
  }
  const weights = weightFacts(report);
  if (weights) {
    const evidence = (component.evidence ?? {}) as { identity?: unknown[] };
    const confidence = Math.max(0, Math.min(1, weights.best.score));
    evidence.identity = [
      ...(evidence.identity ?? []),
      {
        field: 'name',
        confidence,
        concludedValue:
          weights.best.verdict === 'same-lineage' ? `weights of ${weights.best.reference}` : 'independent weights',
        methods: [
          {
            technique: 'binary-analysis',
            confidence,
            value: `${weights.headline}. ${WEIGHTS_METHOD}`,
          },
        ],
        tools: [TOOL_REF],
      },
    ];
    component.evidence = evidence;
  }
  return `${JSON.stringify(normalized, null, 2)}\n`;
}
