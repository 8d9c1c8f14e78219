/**
 * Reading the zod schema as data: which keys a section allows, a key's description and
 * default. Used for "unknown key" hints and for generating docs/reference/configuration.md.
 */
import type { z } from 'zod';
import type { KeyPath } from './kit/paths.ts';

// zod's internal definition object, typed loosely: only the fields read here.
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  defaultValue?: unknown;
}

export function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips defaults, optionals and preprocess/transform pipes down to the schema that describes the shape. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    if (
      ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(
        def.type,
      ) &&
      def.innerType
    ) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in && def.out) {
      current = defOf(def.out).type === 'transform' ? def.in : def.out;
    } else break;
  }
  return current;
}

/** The schema of the value at `path` (array indexes and record keys step into items), or undefined. */
export function schemaAt(root: z.ZodType, path: KeyPath): z.ZodType | undefined {
  let current: z.ZodType | undefined = root;
  for (const segment of path) {
    if (!current) return undefined;
    const def = defOf(unwrap(current));
    if (def.type === 'object' && def.shape) current = def.shape[String(segment)];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else return undefined;
  }
  return current;
}

/** Keys a section at `path` allows, or [] when it is not a section. */
export function keysAt(root: z.ZodType, path: KeyPath): string[] {
  const schema = schemaAt(root, path);
  if (!schema) return [];
  const def = defOf(unwrap(schema));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Description given with `.describe()`, looked up through wrappers. */
export function descriptionOf(schema: z.ZodType): string | undefined {
  let current: z.ZodType | undefined = schema;
  for (let i = 0; current && i < 20; i++) {
    if (current.description) return current.description;
    const def = defOf(current);
    current =
      def.innerType ??
      (def.type === 'pipe' ? (defOf(def.out!).type === 'transform' ? def.in : def.out) : undefined);
  }
  return undefined;
}

/** The default value, looked up through wrappers (undefined when the key has none). */
export function defaultOf(schema: z.ZodType): unknown {
  let current: z.ZodType | undefined = schema;
  for (let i = 0; current && i < 20; i++) {
    const def = defOf(current);
    if (def.type === 'default' || def.type === 'prefault') return def.defaultValue;
    current = def.innerType ?? (def.type === 'pipe' ? def.out : undefined);
  }
  return undefined;
}
