import type { EventType } from '../core/types.js';

/**
 * The payload of an example message: entry `index` of the `examples` of the event type's latest
 * schema version (the highest numeric key), when it is a JSON object. Otherwise a small
 * placeholder, `{"example": true, "eventType": <name>}`, so that sending an example always works.
 */
export function exampleBody(eventType: EventType, index: number): Record<string, unknown> {
  const schemas = eventType.schemas ?? {};
  const latest = Object.keys(schemas).sort((a, b) => versionOf(b) - versionOf(a))[0];
  const examples = latest === undefined ? undefined : (schemas[latest] as { examples?: unknown } | null)?.examples;
  const example = Array.isArray(examples) ? examples[index] : undefined;
  if (typeof example === 'object' && example !== null && !Array.isArray(example))
    return example as Record<string, unknown>;
  return { example: true, eventType: eventType.name };
}

function versionOf(key: string): number {
  const n = Number(key);
  return Number.isFinite(n) ? n : -Infinity;
}
