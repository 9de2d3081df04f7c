import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun } from '../../src/run/read-run.js';
import { renderCycloneDx } from '../../src/report/render-cyclonedx.js';
import type { RunReport } from '../../src/report/run-report.js';
import { hostileReport } from './adversarial.js';
import { defaultRun, type RunFixture } from './run-fixture.js';

let fixture: RunFixture;
let report: RunReport;

beforeAll(async () => {
  fixture = await defaultRun();
  report = readRun(fixture.run, { name: 'tokprint', version: '0.1.0' });
});
afterAll(() => fixture.remove());

/** The library's own validator against the official CycloneDX 1.6 JSON schema, formats checked strictly. */
async function schemaErrors(bom: string): Promise<unknown> {
  return new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(bom);
}

function withVerdict(base: RunReport, verdict: Partial<RunReport['verdict']['verdict']>, target?: string): RunReport {
  return {
    ...base,
    settings: { ...base.settings, target: target ?? base.settings.target },
    verdict: { ...base.verdict, verdict: { ...base.verdict.verdict, ...verdict } },
  };
}

describe('CycloneDX ML-BOM', () => {
  it('written by identify --report cyclonedx, validates against the official 1.6 schema', async () => {
    const bom = readFileSync(join(fixture.run, 'report.cdx.json'), 'utf8');
    expect(await schemaErrors(bom)).toBeNull();
    expect(JSON.parse(bom)).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
  });

  it('describes the target as a machine-learning-model with the detected base as its ancestor and the evidence behind it', () => {
    const bom = JSON.parse(renderCycloneDx(report));
    const verdict = report.verdict.verdict;
    expect(bom.metadata.tools.components).toEqual([
      expect.objectContaining({ type: 'application', name: 'tokprint', version: '0.1.0', 'bom-ref': 'tool:tokprint' }),
    ]);
    // the audited target is the BOM's subject; the models known to use the tokenizer are candidates, not the ancestor
    expect(bom.components ?? []).toHaveLength(0);
    const model = bom.metadata.component;
    expect(model).toMatchObject({ type: 'machine-learning-model', name: report.settings.target });
    const ancestorName = 'a base model with the deepseek-v3 tokenizer (deepseek-v3 family)';
    expect(model.pedigree.ancestors).toEqual([
      expect.objectContaining({ type: 'machine-learning-model', name: ancestorName }),
    ]);
    expect(model.pedigree.ancestors[0].properties).toContainEqual({
      name: 'tokprint:tokenizer.candidate-model',
      value: 'DeepSeek V3',
    });
    expect(model.pedigree.patches).toBeUndefined();
    expect(model.pedigree.ancestors[0].properties).toContainEqual({
      name: 'tokprint:tokenizer.reference',
      value: 'deepseek-v3',
    });
    expect(model.pedigree.notes).toMatch(/Not shown: which fine-tune/);
    const [identity] = model.evidence.identity;
    expect(identity).toMatchObject({
      field: 'name',
      confidence: verdict.confidence,
      concludedValue: ancestorName,
      tools: ['tool:tokprint'],
    });
    expect(identity.methods).toEqual([
      expect.objectContaining({ technique: 'dynamic-analysis', confidence: verdict.confidence }),
    ]);
    expect(model.properties).toContainEqual({ name: 'tokprint:verdict.status', value: 'match' });
  });

  it('is checked for real: the validator rejects a technique the schema does not know', async () => {
    const bom = JSON.parse(renderCycloneDx(report));
    bom.metadata.component.evidence.identity[0].methods[0].technique = 'tokenizer-fingerprint';
    expect(await schemaErrors(JSON.stringify(bom))).not.toBeNull();
  });

  it('gives the same run the same serial number', () => {
    expect(JSON.parse(renderCycloneDx(report)).serialNumber).toBe(
      JSON.parse(renderCycloneDx(readRun(fixture.run, report.tool))).serialNumber,
    );
  });

  it('says binary-analysis for a white-box tokenizer: target, and still validates', async () => {
    const bom = renderCycloneDx(withVerdict(report, {}, 'tokenizer:./models/house/tokenizer.json'));
    expect(JSON.parse(bom).metadata.component.evidence.identity[0].methods[0].technique).toBe('binary-analysis');
    expect(await schemaErrors(bom)).toBeNull();
  });

  it('records no ancestor for unknown and inconclusive verdicts, only notes, and validates', async () => {
    for (const status of ['unknown', 'inconclusive'] as const) {
      const bom = renderCycloneDx(
        withVerdict(report, { status, reference: null, class: [], family: null, models: [], confidence: 0.5 }),
      );
      const model = JSON.parse(bom).metadata.component;
      expect(model.pedigree.ancestors).toBeUndefined();
      expect(model.evidence).toBeUndefined();
      expect(model.pedigree.notes.length).toBeGreaterThan(0);
      expect(await schemaErrors(bom)).toBeNull();
    }
  });

  it('says how many answers were replayed from the answer cache, and validates', async () => {
    const replayed = withVerdict(report, { flags: ['answers-replayed'], replayed: 7 } as Partial<
      RunReport['verdict']['verdict']
    >);
    const bom = renderCycloneDx(replayed);
    expect(JSON.parse(bom).metadata.component.properties).toContainEqual({
      name: 'tokprint:run.replayed-answers',
      value: '7',
    });
    expect(
      JSON.parse(renderCycloneDx(report)).metadata.component.properties.map((p: { name: string }) => p.name),
    ).not.toContain('tokprint:run.replayed-answers');
    expect(await schemaErrors(bom)).toBeNull();
  });

  it('validates with hostile text in the target and description', async () => {
    expect(await schemaErrors(renderCycloneDx(hostileReport(report)))).toBeNull();
  });
});
