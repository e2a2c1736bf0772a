/**
 * Applies an EventBridge input transformer to an event, for the local emulator and the tests:
 * each `InputPathsMap` path (dot notation) is read from the event and its value put in place of
 * `<name>` in `InputTemplate`, without escaping (as EventBridge does). A path missing from the
 * event gives an empty string; the template quotes every placeholder, so the result is valid
 * JSON either way (EventBridge's own rendering of a missing path is not documented: the worker
 * reads an empty value and a missing one the same, see src/core/message.ts).
 * @packageDocumentation
 */
import type { InputTransformer } from './rule';

/** The value at a JSONPath in dot notation (`$.detail.a.b`), or `undefined`. */
export function valueAtPath(event: unknown, path: string): unknown {
  if (path === '$') return event;
  if (!path.startsWith('$.')) throw new Error(`unsupported JSON path ${path}`);
  let node: unknown = event;
  for (const part of path.slice(2).split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The text EventBridge would deliver to the target. */
export function applyInputTransformer(transformer: InputTransformer, event: unknown): string {
  const values = new Map<string, string>();
  for (const [name, path] of Object.entries(transformer.InputPathsMap)) {
    const v = valueAtPath(event, path);
    values.set(name, v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  }
  return transformer.InputTemplate.replace(/<([\w.-]+)>/g, (whole, name: string) => (values.has(name) ? values.get(name)! : whole));
}
