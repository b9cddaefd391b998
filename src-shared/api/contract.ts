/**
 * The API contract: every method the renderer may call, with a zod schema for its argument
 * and its result. Main validates arguments against it (IPC and HTTP alike), the preload exposes
 * exactly these names, and the renderer's client is typed from it.
 */
import { z } from 'zod'
import type { Result } from './result'

const none = z.object({}).strict().optional()

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  dataDir: z.string(),
  pluginCount: z.number().int().nonnegative(),
  platform: z.string(),
  mode: z.enum(['electron', 'web']),
})
export type AppInfo = z.infer<typeof AppInfo>

const JsonObject = z.record(z.string(), z.unknown())

/** What the palette and the inspector need to know of a plugin (no code). */
export const PluginSummary = z.object({
  id: z.string(),
  version: z.string(),
  name: z.string(),
  description: z.string(),
  group: z.string(),
  icon: z.string().optional(),
  origin: z.enum(['builtin', 'user']),
  trigger: z.boolean().optional(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  dynamicOutputs: z.object({ list: z.string(), key: z.string() }).optional(),
  expressionFields: z.array(z.object({ field: z.string(), kind: z.enum(['expression', 'template']) })).optional(),
  configSchema: z.union([JsonObject, z.boolean()]),
  defaultConfig: JsonObject,
  form: z.array(z.object({ title: z.string(), fields: z.array(JsonObject) })).optional(),
  docs: z.object({
    markdown: z.string(),
    inputs: z.record(z.string(), z.string()).optional(),
    outputs: z.record(z.string(), z.string()).optional(),
  }),
  testTemplate: JsonObject,
})
export type PluginSummary = z.infer<typeof PluginSummary>

export const contract = {
  'app.info': { input: none, output: AppInfo },
  'plugins.list': { input: none, output: z.array(PluginSummary) },
} as const

export type Contract = typeof contract
export type MethodName = keyof Contract
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>
export type MethodOutput<M extends MethodName> = z.output<Contract[M]['output']>

export const methodNames = Object.keys(contract) as MethodName[]

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(contract, name)
}

/** The shape of `window.flowbench`: one function per contract method. */
export type FlowbenchApi = {
  [M in MethodName]: (arg?: MethodInput<M>) => Promise<Result<MethodOutput<M>>>
}

/** The IPC channel a method travels on. */
export function channelOf(method: MethodName): string {
  return `flowbench:${method}`
}
