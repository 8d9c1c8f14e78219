/**
 * Zod's issues in the words of a config file: one message per problem with the exact key
 * path (one per unknown key, with the likely intended key when it looks like a typo), what
 * was found and what is expected.
 */
import type { z } from 'zod';
import { describeFound } from './issues.ts';
import { getAt, type KeyPath, type PathSegment } from './kit/paths.ts';
import { configSchema } from './schema.ts';
import { keysAt } from './schema-walk.ts';

export interface Explained {
  path: KeyPath;
  message: string;
  expected?: string;
}

/** Turns one zod issue into messages with the exact key path (one per unknown key). */
export function explain(zodIssue: z.core.$ZodIssue, data: unknown): Explained[] {
  const path = zodIssue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
  const value = getAt(data, path);
  const found = describeFound(value, path);
  switch (zodIssue.code) {
    case 'unrecognized_keys': {
      const allowed = keysAt(configSchema, path);
      return zodIssue.keys.map((key) => {
        const hint = closest(key, allowed);
        return {
          path: [...path, key],
          message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
          expected: allowed.length ? `one of the keys ${allowed.join(', ')}` : 'no other keys',
        };
      });
    }
    case 'invalid_type': {
      const expected = TYPE_WORDS[zodIssue.expected] ?? zodIssue.expected;
      if (value === undefined) return [{ path, message: `is required (${expected})`, expected }];
      return [{ path, message: `expected ${expected}, found ${found}`, expected }];
    }
    case 'invalid_value': {
      const expected = `one of ${zodIssue.values.map((v) => String(v)).join(', ')}`;
      return [{ path, message: `expected ${expected}, found ${found}`, expected }];
    }
    case 'too_small': {
      const min = String(zodIssue.minimum);
      const expected =
        zodIssue.origin === 'array'
          ? `at least ${min} item(s)`
          : zodIssue.origin === 'string'
            ? 'a non-empty string'
            : `a number ${zodIssue.inclusive ? '>=' : '>'} ${min}`;
      return [{ path, message: `expected ${expected}, found ${found}`, expected }];
    }
    case 'too_big': {
      const max = String(zodIssue.maximum);
      const expected =
        zodIssue.origin === 'array'
          ? `at most ${max} item(s)`
          : `a number ${zodIssue.inclusive ? '<=' : '<'} ${max}`;
      return [{ path, message: `expected ${expected}, found ${found}`, expected }];
    }
    case 'invalid_union': {
      // Unions in the schema carry their own "expected ..." text.
      const expected = zodIssue.message.replace(/^expected /, '');
      return [{ path, message: `expected ${expected}, found ${found}`, expected }];
    }
    default:
      return [{ path, message: `${zodIssue.message}, found ${found}` }];
  }
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  boolean: 'true or false',
  string: 'a string',
  array: 'a list',
  object: 'a mapping (keys and values)',
  record: 'a mapping (keys and values)',
  int: 'a whole number',
};

/** The allowed key closest to a misspelt one, when it is close enough to be a likely typo. */
function closest(key: string, allowed: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
