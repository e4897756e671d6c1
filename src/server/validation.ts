import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS: where its plugin function ends up depends on the loader.
type AddFormats = (ajv: Ajv) => Ajv;
const formatsModule = ajvFormats as unknown as { default: AddFormats | { default: AddFormats } };
const addFormats: AddFormats =
  typeof formatsModule.default === 'function' ? formatsModule.default : formatsModule.default.default;

/**
 * Installs the request validators: bodies are checked as sent (a string where a number is
 * expected is a 422, as in Svix), while query strings, path parameters and headers are coerced
 * from text (`limit=50` is a number, a lone `event_types=a` an array). Unknown body properties
 * pass (Svix ignores them); handlers copy only the fields they know, so none is ever stored.
 */
export function installValidators(app: FastifyInstance): void {
  const compiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) =>
    compiledValidator(httpPart === 'body' ? 'body' : 'text', schema as object);
  app.setValidatorCompiler(compiler);
}

const common: Options = {
  allErrors: false,
  strict: false, // OpenAPI annotations (example, nullable...) are not validation keywords
  allowUnionTypes: true,
  removeAdditional: false,
};
let validators: { ajv: Record<'body' | 'text', Ajv>; byKey: Map<string, ValidateFunction> } | null = null;

/**
 * The validator of one schema for bodies (as sent) or for text parts (coerced), compiled once per
 * process: Ajv's compiling is most of the cost of building an app, and a process that builds
 * several (the tests build one per test) would pay it for every route each time. Keyed by the
 * schema's JSON text, so equal schemas built afresh by each app share one validator; equal text
 * validates the same way (schemas hold no functions), so sharing changes no answer.
 */
function compiledValidator(kind: 'body' | 'text', schema: object): ValidateFunction {
  validators ??= {
    ajv: {
      body: addFormats(new Ajv({ ...common, coerceTypes: false, useDefaults: false })),
      text: addFormats(new Ajv({ ...common, coerceTypes: 'array', useDefaults: true })),
    },
    byKey: new Map(),
  };
  const key = `${kind}:${JSON.stringify(schema)}`;
  let validate = validators.byKey.get(key);
  if (validate === undefined) {
    validate = validators.ajv[kind].compile(schema);
    validators.byKey.set(key, validate);
  }
  return validate;
}

/** One item of Svix's HTTPValidationError: where, what, and which kind of error. */
export interface ValidationErrorItem {
  loc: string[];
  msg: string;
  type: string;
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Turns Ajv errors of one request part into Svix's `detail` items, e.g. `loc: ["body", "url"]`. */
export function toValidationItems(
  errors: readonly Partial<ErrorObject>[],
  part: string | undefined,
): ValidationErrorItem[] {
  const head = PART_NAMES[part ?? 'body'] ?? part ?? 'body';
  return errors.map((error) => {
    const path = (error.instancePath ?? '')
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
    const missing =
      error.keyword === 'required' ? (error.params as { missingProperty?: string }).missingProperty : undefined;
    if (missing !== undefined) path.push(missing);
    const loc = [head, ...path];
    const where = path.length > 0 ? path.join('.') : head;
    return {
      loc,
      msg: missing !== undefined ? 'field required' : `${where} ${error.message ?? 'is invalid'}`,
      type:
        error.keyword === 'required' ? 'value_error.missing' : error.keyword === 'type' ? 'type_error' : 'value_error',
    };
  });
}
