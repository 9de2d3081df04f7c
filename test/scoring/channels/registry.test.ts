import { describe, expect, it } from 'vitest';
import { ChannelRuntime } from '../../../src/scoring/channels/runtime.js';
import {
  CHANNEL_NAMES,
  CHANNELS,
  channelsHelp,
  impliedChannels,
  parseChannels,
  SEEN_CHANNELS,
} from '../../../src/scoring/channels/registry.js';

const fields = (names: string) => new ChannelRuntime({ enabled: parseChannels(names), seed: 2 }).requestFields(5);

describe('answer channel registry', () => {
  it('lists every channel once, in the order --channels names them', () => {
    expect(CHANNEL_NAMES).toEqual(['usage', 'logprobs', 'stream', 'completion', 'truncation', 'prompt']);
    expect(SEEN_CHANNELS).toEqual(['logprobs', 'stream', 'truncation', 'prompt']);
    expect(CHANNELS.entries.filter((c) => !c.score).map((c) => c.name)).toEqual(['usage']);
    expect(() => parseChannels('usage,tokens')).toThrow(
      '--channels takes a comma-separated list of usage, logprobs, stream, completion, truncation, prompt, not "tokens"',
    );
  });

  it('asks the target for what the enabled channels read, and for no answer when they read only the prompt', () => {
    expect(fields('usage')).toEqual({});
    expect(fields('usage,prompt')).toEqual({ wantPromptTokens: true });
    // the flags serialise in the order recorded runs hold them
    expect(JSON.stringify(fields('prompt,logprobs,stream'))).toBe(
      '{"wantPromptTokens":true,"maxOutputTokens":32,"wantChunks":true,"wantLogprobs":true,"temperature":1,"seed":2005}',
    );
    expect(fields('completion')).toEqual({ maxOutputTokens: 32, temperature: 1, seed: 2005 });
  });

  it('turns on usage always and stream and logprobs by their flags when --channels is not given', () => {
    expect([...impliedChannels({})]).toEqual(['usage']);
    expect([...impliedChannels({ stream: true, logprobs: true })]).toEqual(['usage', 'logprobs', 'stream']);
  });

  it('gives every channel a help line', () => {
    const help = channelsHelp();
    for (const name of CHANNEL_NAMES) expect(help).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });
});
