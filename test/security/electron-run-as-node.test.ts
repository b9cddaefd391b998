/**
 * Attack: start the installed, signed Flowbench binary as something else — a plain Node
 * interpreter (ELECTRON_RUN_AS_NODE), with foreign code preloaded (NODE_OPTIONS), with a debugger
 * attached (--inspect), or with a loose app folder or a tampered app.asar in place of ours. The
 * packaging config flips Electron's fuses against each; this holds the checked-in config to them.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../fixtures/flows'

const config = readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')

/** The `key: value` lines of one top-level mapping of the YAML file (comments dropped). */
function mapping(yaml: string, key: string): Record<string, string> {
  const lines = yaml.split('\n')
  const start = lines.findIndex((line) => line === `${key}:`)
  if (start < 0) return {}
  const entries: Record<string, string> = {}
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break
    const match = /^\s+([A-Za-z]+):\s*([^#\s]+)/.exec(line)
    if (match) entries[match[1]!] = match[2]!
  }
  return entries
}

function topLevel(yaml: string, key: string): string | undefined {
  return new RegExp(`^${key}:\\s*([^#\\s]+)`, 'm').exec(yaml)?.[1]
}

describe('the packaged binary', () => {
  const fuses = mapping(config, 'electronFuses')

  it('cannot be run as Node, preloaded through NODE_OPTIONS, or inspected', () => {
    expect(fuses.runAsNode).toBe('false')
    expect(fuses.enableNodeOptionsEnvironmentVariable).toBe('false')
    expect(fuses.enableNodeCliInspectArguments).toBe('false')
  })

  it('loads only its own, unmodified app.asar', () => {
    expect(fuses.onlyLoadAppFromAsar).toBe('true')
    expect(fuses.enableEmbeddedAsarIntegrityValidation).toBe('true')
    expect(topLevel(config, 'asar')).toBe('true')
  })

  it('encrypts cookies and gives file: pages no extra privileges', () => {
    expect(fuses.enableCookieEncryption).toBe('true')
    expect(fuses.grantFileProtocolExtraPrivileges).toBe('false')
  })

  it('does not ship the test builds', () => {
    expect(config).toContain(`'!out/.electron-test/**'`)
  })
})
