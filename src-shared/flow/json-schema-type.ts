/** A JSON Schema document (draft 2020-12), kept loose on purpose: plugins write their own. */
export type JsonSchema = { [keyword: string]: unknown } | boolean
