/** The JSON Schema of the `*.flow.json` format (schemaVersion 1). The editor, importer and CLI validate against it. */
import type { JsonSchema } from './json-schema-type'

export const FLOW_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$'

const id = { type: 'string', minLength: 1, maxLength: 100 }
const freeObject = { type: 'object' }

export const NODE_SCHEMA = {
  type: 'object',
  properties: {
    id,
    plugin: { type: 'string', minLength: 1, maxLength: 200 },
    label: { type: 'string', maxLength: 200 },
    position: {
      type: 'object',
      properties: { x: { type: 'number' }, y: { type: 'number' } },
      required: ['x', 'y'],
      additionalProperties: false,
    },
    config: freeObject,
    disabled: { type: 'boolean' },
    join: { enum: ['each', 'all'] },
    retry: {
      type: 'object',
      properties: {
        maxAttempts: { type: 'integer', minimum: 1, maximum: 20 },
        backoffMs: { type: 'integer', minimum: 0, maximum: 600000 },
      },
      required: ['maxAttempts'],
      additionalProperties: false,
    },
    timeoutMs: { type: 'integer', minimum: 1, maximum: 3600000 },
    notes: { type: 'string', maxLength: 20000 },
  },
  required: ['id', 'plugin', 'position', 'config'],
  additionalProperties: false,
}

export const EDGE_SCHEMA = {
  type: 'object',
  properties: {
    id,
    source: id,
    sourcePort: { type: 'string', minLength: 1, maxLength: 100 },
    target: id,
    targetPort: { type: 'string', minLength: 1, maxLength: 100 },
  },
  required: ['id', 'source', 'sourcePort', 'target', 'targetPort'],
  additionalProperties: false,
}

const pathMap = { type: 'object', additionalProperties: true }

export const TEST_CASE_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    event: freeObject,
    profile: freeObject,
    session: freeObject,
    // Fake values for the secrets and variables the flow reads, so a suite runs offline.
    secrets: {
      type: 'object',
      additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
    },
    vars: freeObject,
    mocks: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { port: { type: 'string', minLength: 1 }, value: true },
        required: ['port'],
        additionalProperties: false,
      },
    },
    expect: {
      type: 'object',
      properties: {
        status: { enum: ['succeeded', 'failed', 'cancelled'] },
        reached: { type: 'array', items: { type: 'string' } },
        notReached: { type: 'array', items: { type: 'string' } },
        profile: pathMap,
        session: pathMap,
        event: pathMap,
        flow: pathMap,
        outputs: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { port: { type: 'string', minLength: 1 }, value: true },
            required: ['port'],
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
  },
  required: ['name', 'event'],
  additionalProperties: false,
}

export const FLOW_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://flowbench.dev/schemas/flow-1.json',
  title: 'Flowbench flow',
  type: 'object',
  properties: {
    schemaVersion: { const: 1 },
    id: { type: 'string', minLength: 1, maxLength: 100, pattern: FLOW_ID_PATTERN },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 20000 },
    tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 } },
    metadata: freeObject,
    nodes: { type: 'array', items: NODE_SCHEMA },
    edges: { type: 'array', items: EDGE_SCHEMA },
    tests: { type: 'array', items: TEST_CASE_SCHEMA },
  },
  required: ['schemaVersion', 'id', 'name', 'nodes', 'edges'],
  additionalProperties: false,
}
