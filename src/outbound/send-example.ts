import { elementText, memberText } from '../core/json-text.js';
import type { EventType } from '../core/types.js';

/**
 * The payload of an example message, as JSON text: entry `index` of the `examples` of the event
 * type's latest schema version (the highest numeric key), when it is a JSON object, in the text
 * the customer stored (every number as written). Otherwise a small placeholder,
 * `{"example":true,"eventType":<name>}`, so that sending an example always works.
 */
export function exampleText(eventType: EventType, index: number): string {
  const schemas = eventType.schemas;
  const placeholder = JSON.stringify({ example: true, eventType: eventType.name });
  if (schemas === null) return placeholder;
  // The member names only: JSON.parse keeps them exactly, and the values are read as text below.
  const versions = Object.keys(JSON.parse(schemas) as Record<string, unknown>);
  const latest = versions.sort((a, b) => versionOf(b) - versionOf(a))[0];
  const version = latest === undefined ? undefined : memberText(schemas, latest);
  const examples = version === undefined ? undefined : memberText(version, 'examples');
  const example = examples === undefined ? undefined : elementText(examples, index);
  return example?.startsWith('{') ? example : placeholder;
}

function versionOf(key: string): number {
  const n = Number(key);
  return Number.isFinite(n) ? n : -Infinity;
}
