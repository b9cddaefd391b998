/** Turns a plugin's config schema and form hints into an rjsf uiSchema. */
import type { UiSchema } from '@rjsf/utils'
import type { PluginSummary } from '../../src-shared/api/contract'

type SchemaObject = Record<string, unknown>

function isObject(value: unknown): value is SchemaObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** A schema rjsf cannot render by itself: no type, or a choice of plain types. Edited as loose JSON. */
function needsLooseField(schema: SchemaObject): boolean {
  if (schema.enum || schema.const !== undefined || schema.oneOf) return false
  if (schema.anyOf) return true
  return schema.type === undefined && schema.properties === undefined && schema.items === undefined
}

/** `anyOf: [number, string]`: a number, or a reference / template that gives one. */
export function isNumberOrRef(schema: SchemaObject): boolean {
  if (!Array.isArray(schema.anyOf) || schema.anyOf.length !== 2) return false
  const types = schema.anyOf.map((s: unknown) => (isObject(s) ? s.type : undefined)).sort()
  return (types[0] === 'integer' || types[0] === 'number') && types[1] === 'string'
}

function walk(schema: unknown): UiSchema {
  if (!isObject(schema)) return {}
  // A field that stands for a whole anyOf must say so, or rjsf also draws its own option picker
  // and hands the field a path ending in `XxxOf`, which is where the value would be written.
  if (isNumberOrRef(schema))
    return { 'ui:field': 'numberOrRef', 'ui:fieldReplacesAnyOrOneOf': true }
  if (needsLooseField(schema))
    return { 'ui:field': 'looseJson', 'ui:fieldReplacesAnyOrOneOf': true }
  const ui: UiSchema = {}
  if (isObject(schema.properties)) {
    for (const [key, child] of Object.entries(schema.properties)) {
      const childUi = walk(child)
      if (Object.keys(childUi).length > 0) ui[key] = childUi
    }
  }
  if (isObject(schema.items)) {
    const itemsUi = walk(schema.items)
    if (Object.keys(itemsUi).length > 0) ui.items = itemsUi
  }
  if (schema.type === 'object' && !schema.properties && schema.additionalProperties !== false)
    ui['ui:field'] = 'keyValue'
  return ui
}

export function uiSchemaFor(plugin: PluginSummary): UiSchema {
  const ui: UiSchema = walk(plugin.configSchema)
  const order: string[] = []
  for (const group of plugin.form ?? []) {
    for (const hint of group.fields as {
      field: string
      widget?: string
      label?: string
      help?: string
      language?: string
    }[]) {
      order.push(hint.field)
      const fieldUi: UiSchema = { ...(ui[hint.field] as UiSchema | undefined) }
      switch (hint.widget) {
        case 'ref':
        case 'expression':
        case 'template':
        case 'textarea':
        case 'select':
        case 'checkbox':
          fieldUi['ui:widget'] = hint.widget
          break
        case 'code':
          fieldUi['ui:widget'] = 'code'
          fieldUi['ui:options'] = { language: hint.language ?? 'javascript' }
          break
        case 'key-value':
          fieldUi['ui:field'] = 'keyValue'
          fieldUi['ui:fieldReplacesAnyOrOneOf'] = true
          break
        case 'json':
          fieldUi['ui:field'] = 'looseJson'
          fieldUi['ui:fieldReplacesAnyOrOneOf'] = true
          break
        case 'number':
          fieldUi['ui:widget'] = 'updown'
          break
      }
      if (hint.label) fieldUi['ui:title'] = hint.label
      if (hint.help) fieldUi['ui:help'] = hint.help
      ui[hint.field] = fieldUi
    }
  }
  if (order.length > 0) ui['ui:order'] = [...order, '*']
  ui['ui:submitButtonOptions'] = { norender: true }
  return ui
}
