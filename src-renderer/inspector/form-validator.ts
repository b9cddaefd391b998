/**
 * rjsf's validator backed by @cfworker/json-schema, which never uses eval — the renderer's CSP
 * forbids it, so the usual ajv validator cannot run here.
 */
import { Validator } from '@cfworker/json-schema'
import type { Schema } from '@cfworker/json-schema'
import { toErrorSchema } from '@rjsf/utils'
import { linearSchema, restorePatternErrors } from '../../src-shared/flow/linear-patterns'
import type { RJSFSchema, RJSFValidationError, ValidationData, ValidatorType } from '@rjsf/utils'

const cache = new WeakMap<object, Validator>()

function validatorFor(schema: RJSFSchema): Validator {
  let validator = cache.get(schema)
  if (!validator) {
    // Patterns run on a linear-time engine: a plugin's schema must not be able to freeze the UI.
    validator = new Validator(linearSchema(schema) as Schema, '2020-12', false)
    cache.set(schema, validator)
  }
  return validator
}

function toProperty(instanceLocation: string): string {
  const parts = instanceLocation.replace(/^#\/?/, '').split('/').filter(Boolean)
  return parts
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
}

function errorsOf(schema: RJSFSchema, data: unknown): RJSFValidationError[] {
  const result = validatorFor(schema).validate(data ?? {})
  if (result.valid) return []
  // cfworker reports a cascade per failure; keep the deepest message for each location.
  const byLocation = new Map<string, RJSFValidationError>()
  for (const error of restorePatternErrors(result.errors)) {
    if (['properties', 'items', '$ref', 'allOf', 'anyOf'].includes(error.keyword)) continue
    const property = toProperty(error.instanceLocation)
    byLocation.set(`${property}|${error.keyword}`, {
      name: error.keyword,
      property,
      message: error.error,
      schemaPath: error.keywordLocation,
      stack: `${property || 'config'} ${error.error}`,
    })
  }
  return [...byLocation.values()]
}

export const formValidator: ValidatorType = {
  validateFormData(formData, schema) {
    const errors = errorsOf(schema, formData)
    return { errors, errorSchema: toErrorSchema(errors) } as ValidationData<unknown>
  },
  isValid(schema, formData) {
    try {
      return validatorFor(schema).validate(formData ?? {}).valid
    } catch {
      return false
    }
  },
  rawValidation(schema, formData) {
    try {
      return { errors: errorsOf(schema, formData) as never[] }
    } catch (error) {
      return { validationError: error as Error }
    }
  },
}
