import type { ChatMessage } from '../target.js';
import { ProtocolError, type HttpReply } from './protocol.js';

/** Reading an API's JSON answer field by field, with a `ProtocolError` naming the field when the shape is off. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The reply's JSON body; a non-2xx status or a body that is not JSON is a protocol error here. */
export function replyJson(reply: HttpReply, api: string): unknown {
  if (reply.status < 200 || reply.status > 299)
    throw new ProtocolError(`${api}: HTTP ${reply.status}: ${reply.text.slice(0, 200)}`);
  if (reply.json !== undefined) return reply.json;
  try {
    return JSON.parse(reply.text);
  } catch {
    throw new ProtocolError(`${api}: the reply is not JSON: ${reply.text.slice(0, 200)}`);
  }
}

export function replyObject(reply: HttpReply, api: string): JsonObject {
  const json = replyJson(reply, api);
  if (!isObject(json)) throw new ProtocolError(`${api}: expected a JSON object, got ${describe(json)}`);
  return json;
}

export function objectField(object: JsonObject, key: string, where: string): JsonObject {
  const value = object[key];
  if (!isObject(value)) throw new ProtocolError(`${where}: ${key} should be an object, got ${describe(value)}`);
  return value;
}

export function arrayField(object: JsonObject, key: string, where: string): unknown[] {
  const value = object[key];
  if (!Array.isArray(value)) throw new ProtocolError(`${where}: ${key} should be an array, got ${describe(value)}`);
  return value;
}

/** A token count: a whole number, zero or more. */
export function countField(object: JsonObject, key: string, where: string): number {
  const value = object[key];
  if (!isCount(value)) throw new ProtocolError(`${where}: ${key} should be a token count, got ${describe(value)}`);
  return value;
}

export function optionalCountField(object: JsonObject, key: string, where: string): number | undefined {
  return object[key] === undefined || object[key] === null ? undefined : countField(object, key, where);
}

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** System messages joined, as APIs with a separate system field take them; undefined when there are none. */
export function systemText(messages: readonly ChatMessage[]): string | undefined {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  return system.length ? system.join('\n\n') : undefined;
}

export function conversation(messages: readonly ChatMessage[]): ChatMessage[] {
  return messages.filter((m) => m.role !== 'system');
}

/** Every message's text in order, joined by a blank line: what a raw-text tokenize endpoint is given. */
export function plainText(messages: readonly ChatMessage[]): string {
  return messages.map((m) => m.content).join('\n\n');
}

/** A JSON event of a server-sent-event stream. */
export function eventJson(data: string, api: string): JsonObject {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new ProtocolError(`${api}: a stream event is not JSON: ${data.slice(0, 200)}`);
  }
  if (!isObject(json)) throw new ProtocolError(`${api}: a stream event is not a JSON object: ${describe(json)}`);
  return json;
}

export function utf8Bytes(text: string): number[] {
  return [...new TextEncoder().encode(text)];
}
