/**
 * The building blocks of every config section's schema (each section lives in a `config.ts`
 * beside the component that uses it; src/config/schema.ts composes them).
 *
 * Leniency shared by every section (see docs/reference/runtime.md#accepting-v14-and-v15-files):
 * every key has a default (the template value, `false` for feature switches, `[]` for lists),
 * so a key missing from the file is not an error; `null` where a list or a section is expected
 * reads as empty (the template relies on it); a section rejects keys it does not know.
 *
 * kit/ imports nothing else of the project: src/config imports every component's config.ts,
 * and those import kit/, so kit/ importing back would close a loop.
 */
import { z } from 'zod';

export const trim = (value: unknown): unknown => (typeof value === 'string' ? value.trim() : value);
export const trimLower = (value: unknown): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export function bool(fallback: boolean, description: string) {
  return z.boolean().default(fallback).describe(description);
}
export function positive(fallback: number, description: string) {
  return z.number().positive().default(fallback).describe(description);
}
export function count(fallback: number, description: string) {
  return z.number().int().positive().default(fallback).describe(description);
}
/** A share from 0 to 100 (a queue's warning threshold, in percent of its size). */
export function percent(fallback: number, description: string) {
  return z.number().min(0).max(100).default(fallback).describe(description);
}
export function port(fallback: number, description: string) {
  return z.number().int().min(0).max(65535).default(fallback).describe(description);
}
export function str(fallback: string, description: string) {
  return z.string().default(fallback).describe(description);
}
/** A list that may be written as `null` (or left out): both read as `[]`. */
export function list<T extends z.ZodType>(item: T, description: string) {
  return z.preprocess((value) => value ?? [], z.array(item)).describe(description);
}
/** A section (object) that rejects unknown keys; `null` or absent reads as `{}`, then defaults fill it. */
export function section<S extends z.ZodRawShape>(shape: S, description: string) {
  return z.preprocess((value) => value ?? {}, z.strictObject(shape)).describe(description);
}
/** A section whose unknown keys upstream accepts: they are ignored (dropped), not rejected. */
export function openSection<S extends z.ZodRawShape>(shape: S, description: string) {
  return z.preprocess((value) => value ?? {}, z.object(shape)).describe(description);
}
/** A section with nothing but its switch. */
export function enableOnly(fallback: boolean, description: string) {
  return section({ enable: bool(fallback, description) }, description);
}

/** A scalar YAML value used as text (tag values, header values, account ids): numbers and booleans are stringified. */
export const text = z
  .union([z.string(), z.number(), z.boolean()], { error: 'expected a string' })
  .transform((value) => String(value));

/** A static tag, attribute or header. */
export const nameValue = z
  .strictObject({
    name: z.string().min(1).describe('Name.'),
    value: text.describe('Value.'),
  })
  .describe('A name/value pair.');

export type NameValue = z.output<typeof nameValue>;

/** A Sense user named by directory and id (exclusion lists of proxy sessions and user events). */
export const userRef = z.strictObject({
  directory: z.string().describe('User directory, exact match.'),
  userId: z.string().describe('User id, exact match.'),
});
