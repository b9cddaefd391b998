/**
 * The sample flows from resources/samples, built into the renderer: they need no file access,
 * so the Examples menu works the same in the browser and in Electron.
 */
const files = import.meta.glob<Record<string, unknown>>('../../resources/samples/*/flow.json', {
  eager: true,
  import: 'default',
})

export interface Sample {
  id: string
  name: string
  description: string
  flow: Record<string, unknown>
}

export const SAMPLES: Sample[] = Object.values(files)
  .map((flow) => ({
    id: String(flow.id),
    name: String(flow.name),
    description: typeof flow.description === 'string' ? flow.description : '',
    flow,
  }))
  .sort((a, b) => a.name.localeCompare(b.name))

/** `Name (copy)`, `Name (copy 2)`… the first one no flow is called yet. */
export function distinctName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name
  const base = name.replace(/ \(copy(?: \d+)?\)$/, '')
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? `${base} (copy)` : `${base} (copy ${i})`
    if (!taken.has(candidate)) return candidate
  }
}
