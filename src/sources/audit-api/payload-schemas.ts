/**
 * The payload schema of the five event types that have one
 * (docs/reference/audit-api.md#payload-checks). Every error is reported, in the form of the
 * JSON Schema validator upstream uses (`instancePath`, `schemaPath`, `keyword`, `params`,
 * `message`); nothing is coerced; extra properties are allowed.
 */
import { isPlainObject } from './envelope-schema.ts';
import { isAbsoluteUri, isDateTime, isUuidFormat } from './formats.ts';

export interface PayloadError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message: string;
}

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'null';

interface Rule {
  type: JsonType | JsonType[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maxItems?: number;
  format?: 'uuid' | 'uri' | 'date-time';
}

interface ObjectRule {
  required: string[];
  properties: Record<string, Rule>;
}

const text = (maxLength: number, minLength?: number): Rule => ({
  type: 'string',
  maxLength,
  ...(minLength ? { minLength } : {}),
});
const orNull = (rule: Rule): Rule => ({ ...rule, type: [rule.type as JsonType, 'null'] });
const txnId: Rule = { type: 'string', minLength: 1, maxLength: 36, format: 'uuid' };

const CONTEXT: ObjectRule = {
  required: [],
  properties: {
    appId: { type: 'string' },
    appName: text(64),
    sheetId: text(64),
    sheetName: text(64),
    user: text(256),
    userAgent: text(512),
  },
};

const EVENTS: Record<string, ObjectRule> = {
  'selection.state.changed': {
    required: ['selectionTxnId', 'details'],
    properties: { selectionTxnId: txnId, details: { type: 'array', maxItems: 500 } },
  },
  'app.model.validated': {
    required: ['selectionTxnId'],
    properties: {
      selectionTxnId: txnId,
      dataStateId: { type: ['integer', 'null'] },
      captureScheduled: { type: ['boolean', 'null'] },
    },
  },
  'screenshot.url.received': {
    required: ['screenshotUrl', 'selectionTxnId'],
    properties: {
      screenshotUrl: { type: 'string', minLength: 1, maxLength: 2048, format: 'uri' },
      objectId: orNull(text(64)),
      selectionTxnId: txnId,
    },
  },
  'event.unsupported.visualization': {
    required: ['vizType', 'selectionTxnId'],
    properties: {
      vizType: text(64, 1),
      objectId: orNull(text(64)),
      title: orNull(text(64)),
      trigger: orNull(text(64)),
      dataStateId: { type: ['number', 'string', 'null'] },
      selectionTxnId: txnId,
    },
  },
  'object.view.duration': {
    required: ['objectId', 'duration', 'leftAt'],
    properties: {
      objectId: text(64, 1),
      duration: { type: 'number', minimum: 0 },
      leftAt: { type: 'string', format: 'date-time' },
      enteredAt: { type: ['string', 'null'], format: 'date-time' },
      visible: { type: ['boolean', 'null'] },
      selectionTxnId: orNull(text(36)),
      enterSelectionTxnId: orNull(text(36)),
      leaveSelectionTxnId: orNull(text(36)),
      dataStateId: { type: ['integer', 'null'] },
    },
  },
};

export function hasPayloadSchema(type: string): boolean {
  return Object.hasOwn(EVENTS, type);
}

function isType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

const FORMATS = { uuid: isUuidFormat, uri: isAbsoluteUri, 'date-time': isDateTime } as const;

/** The errors of one value against its rule (a type error stops the other checks, as in the validator). */
function checkValue(value: unknown, rule: Rule, path: string, schemaPath: string): PayloadError[] {
  const types = Array.isArray(rule.type) ? rule.type : [rule.type];
  const error = (keyword: string, params: Record<string, unknown>, message: string): PayloadError => ({
    instancePath: path,
    schemaPath: `${schemaPath}/${keyword}`,
    keyword,
    params,
    message,
  });
  if (!types.some((t) => isType(value, t))) {
    const type = Array.isArray(rule.type) ? rule.type : rule.type;
    return [error('type', { type }, `must be ${types.join(',')}`)];
  }
  const errors: PayloadError[] = [];
  if (typeof value === 'string') {
    const length = [...value].length;
    if (rule.maxLength !== undefined && length > rule.maxLength) {
      errors.push(
        error('maxLength', { limit: rule.maxLength }, `must NOT have more than ${rule.maxLength} characters`),
      );
    }
    if (rule.minLength !== undefined && length < rule.minLength) {
      errors.push(
        error(
          'minLength',
          { limit: rule.minLength },
          `must NOT have fewer than ${rule.minLength} characters`,
        ),
      );
    }
    if (rule.format && !FORMATS[rule.format](value)) {
      errors.push(error('format', { format: rule.format }, `must match format "${rule.format}"`));
    }
  }
  if (typeof value === 'number' && rule.minimum !== undefined && value < rule.minimum) {
    errors.push(error('minimum', { comparison: '>=', limit: rule.minimum }, `must be >= ${rule.minimum}`));
  }
  if (Array.isArray(value) && rule.maxItems !== undefined && value.length > rule.maxItems) {
    errors.push(
      error('maxItems', { limit: rule.maxItems }, `must NOT have more than ${rule.maxItems} items`),
    );
  }
  return errors;
}

function checkObject(value: unknown, rule: ObjectRule, path: string, schemaPath: string): PayloadError[] {
  if (!isPlainObject(value)) {
    return [
      {
        instancePath: path,
        schemaPath: `${schemaPath}/type`,
        keyword: 'type',
        params: { type: 'object' },
        message: 'must be object',
      },
    ];
  }
  const errors: PayloadError[] = [];
  for (const key of rule.required) {
    if (value[key] === undefined) {
      errors.push({
        instancePath: path,
        schemaPath: `${schemaPath}/required`,
        keyword: 'required',
        params: { missingProperty: key },
        message: `must have required property '${key}'`,
      });
    }
  }
  for (const [key, child] of Object.entries(rule.properties)) {
    if (value[key] === undefined) continue;
    errors.push(...checkValue(value[key], child, `${path}/${key}`, `${schemaPath}/properties/${key}`));
  }
  return errors;
}

/** Every error of the payload of an event of `type` (none for types without a schema). */
export function payloadErrors(type: string, payload: Record<string, unknown>): PayloadError[] {
  const event = EVENTS[type];
  if (!event) return [];
  const errors: PayloadError[] = [];
  if (payload.event === undefined) {
    errors.push({
      instancePath: '',
      schemaPath: '#/required',
      keyword: 'required',
      params: { missingProperty: 'event' },
      message: "must have required property 'event'",
    });
  }
  if (payload.context !== undefined) {
    errors.push(...checkObject(payload.context, CONTEXT, '/context', '#/properties/context'));
  }
  if (payload.event !== undefined) {
    errors.push(...checkObject(payload.event, event, '/event', '#/properties/event'));
  }
  return errors;
}
