import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { auditSchemaPath } from '../../src/cli/audit-config.js';
import { FLAG_RANGES } from '../../src/cli/flag-ranges.js';

const schema = JSON.parse(readFileSync(auditSchemaPath(), 'utf8'));
const { config, defaults } = schema.$defs;

describe('the shipped audit schema', () => {
  it("allows each number exactly the range identify's flag allows", () => {
    const fields = {
      maxQueries: defaults.properties.maxQueries,
      maxPromptTokens: defaults.properties.maxPromptTokens,
      seed: defaults.properties.seed,
      retries: config.properties.retries,
      timeout: config.properties.timeout,
      concurrency: config.properties.concurrency,
      rate: config.properties.rate,
      logprobs: config.properties.logprobs,
      maxResponseBytes: config.properties.maxResponseBytes,
      maxStreamEvents: config.properties.maxStreamEvents,
    };
    for (const [name, field] of Object.entries(fields)) {
      const range = FLAG_RANGES[name as keyof typeof FLAG_RANGES];
      expect({ name, min: field.minimum, max: field.maximum, whole: field.type === 'integer' }).toEqual({
        name,
        ...range,
      });
    }
  });
});
