import { afterAll, beforeAll } from 'vitest';
import { loadLlamaEngine, type LlamaEngine } from './llama-engine.js';
import { startLlamaOpenAiServer, type LlamaOpenAiServer } from './llama-openai-server.js';
import { tinyModelPath, type TinyModelReference } from './tiny-model.js';

export interface EngineFixture {
  engine: LlamaEngine;
  server: LlamaOpenAiServer;
  /** The same model behind a server that answers without `usage`, when asked for. */
  serverWithoutUsage?: LlamaOpenAiServer;
  post(path: string, body: unknown): Promise<Response>;
  postJson<T = any>(path: string, body: unknown): Promise<T>;
}

/**
 * The tiny model of `reference`, loaded once for the calling test file and served on 127.0.0.1 until the file ends.
 * Read the returned object's fields inside tests (they are filled in by `beforeAll`).
 */
export function engineServer(reference: TinyModelReference, options: { withoutUsage?: boolean } = {}): EngineFixture {
  const fixture = {} as EngineFixture;
  beforeAll(async () => {
    fixture.engine = await loadLlamaEngine(await tinyModelPath(reference));
    fixture.server = await startLlamaOpenAiServer(fixture.engine, `tiny-${reference}`);
    if (options.withoutUsage)
      fixture.serverWithoutUsage = await startLlamaOpenAiServer(fixture.engine, `tiny-${reference}`, {
        omitUsage: true,
      });
    fixture.post = (path, body) =>
      fetch(fixture.server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    fixture.postJson = async (path, body) => {
      const response = await fixture.post(path, body);
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as any;
    };
  });
  afterAll(async () => {
    await fixture.server?.close();
    await fixture.serverWithoutUsage?.close();
    await fixture.engine?.dispose();
  });
  return fixture;
}
