import { createParser } from 'eventsource-parser';
import type { ServerSentEvent } from './protocol.js';

/** The events of a server-sent-event body, in order; a trailing event without its blank line is dropped, as a browser would. */
export function parseSse(text: string): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  const parser = createParser({
    onEvent: (event) => events.push(event.event ? { event: event.event, data: event.data } : { data: event.data }),
  });
  parser.feed(text);
  return events;
}
