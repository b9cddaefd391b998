/**
 * Optional bundle signatures: `keys create` makes an Ed25519 pair (the private key owner-only),
 * `export --sign` signs the manifest (which holds every file's checksum), and
 * `import --require-signature` refuses unsigned bundles, other signers and any tampering.
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { strToU8, unzipSync } from 'fflate'
import { Store } from '../../src-main/store/store'
import { repoRoot } from '../fixtures/flows'
import {
  cli,
  forgeBundle,
  markerBundle,
  markerPlugin,
  markerText,
  tempDir,
  writeBundle,
} from './bundle-fixtures'

const sample = path.join(repoRoot, 'resources/samples/vip-tagging/flow.json')

async function keys(dir: string) {
  const result = await cli(['keys', 'create', '--out', dir, '--json'])
  expect(result.code).toBe(0)
  return JSON.parse(result.out) as { privateKey: string; publicKey: string; fingerprint: string }
}

async function signedSample(dir: string, privateKey: string): Promise<string> {
  const file = path.join(dir, 'signed.flowbundle')
  const result = await cli([
    'export',
    sample,
    '-o',
    file,
    '--sign',
    privateKey,
    '--data-dir',
    path.join(dir, 'source'),
  ])
  expect(result.err).toBe('')
  expect(result.code).toBe(0)
  return file
}

describe('bundle signatures', () => {
  it('keys create writes an Ed25519 pair, the private key readable by its owner only, and never overwrites one', async () => {
    const dir = tempDir('keys')
    const pair = await keys(dir)
    expect(statSync(pair.privateKey).mode & 0o777).toBe(0o600)
    expect(readFileSync(pair.privateKey, 'utf8')).toContain('BEGIN PRIVATE KEY')
    expect(readFileSync(pair.publicKey, 'utf8')).toContain('BEGIN PUBLIC KEY')
    expect(pair.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    const before = readFileSync(pair.privateKey, 'utf8')
    expect((await cli(['keys', 'create', '--out', dir])).code).toBe(2)
    expect(readFileSync(pair.privateKey, 'utf8')).toBe(before)
  })

  it('imports a bundle signed by the required key', async () => {
    const dir = tempDir('signed')
    const pair = await keys(dir)
    const file = await signedSample(dir, pair.privateKey)
    expect(Object.keys(unzipSync(readFileSync(file)))).toContain('signature.json')
    const result = await cli([
      'import',
      file,
      '--require-signature',
      pair.publicKey,
      '--data-dir',
      path.join(dir, 'data'),
    ])
    expect(result.err).toBe('')
    expect(result.code).toBe(0)
  })

  it('refuses an unsigned bundle, one signed by another key, and any tampering, writing nothing', async () => {
    const dir = tempDir('refused')
    const pair = await keys(path.join(dir, 'mine'))
    const other = await keys(path.join(dir, 'other'))
    const dataDir = path.join(dir, 'data')
    const signed = await signedSample(dir, pair.privateKey)

    const unsigned = path.join(dir, 'unsigned.flowbundle')
    expect(
      (await cli(['export', sample, '-o', unsigned, '--data-dir', path.join(dir, 'source')])).code,
    ).toBe(0)
    const byOther = await signedSample(path.join(dir, 'other'), other.privateKey)
    // A forger who changes a flow and recomputes every checksum, keeping the signature.
    const forged = writeBundle(
      forgeBundle(readFileSync(signed), (entries) => {
        entries['flows/vip-tagging.flow.json'] = strToU8(
          new TextDecoder().decode(entries['flows/vip-tagging.flow.json']).replace('1000', '10'),
        )
      }),
      path.join(dir, 'mine'),
    )

    for (const [file, message] of [
      [unsigned, 'is not signed'],
      [byOther, 'signed by another key'],
      [forged, 'changed after it was signed'],
    ] as const) {
      const result = await cli([
        'import',
        file,
        '--require-signature',
        pair.publicKey,
        '--data-dir',
        dataDir,
      ])
      expect(result.code, file).toBe(1)
      expect(result.err).toContain(message)
    }
    expect((await cli(['plugins', 'list', '--json', '--data-dir', dataDir])).code).toBe(0)
    const store = Store.open(dataDir)
    expect(store.listFlows({ includeDeleted: true })).toEqual([])
    store.close()
  })

  it('a signature by the required key stands for trusting the plugin code; another key runs nothing', async () => {
    const dir = tempDir('signed-plugin')
    const pair = await keys(path.join(dir, 'mine'))
    const other = await keys(path.join(dir, 'other'))
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    const byOther = writeBundle(
      markerBundle(plugin, { signWith: readFileSync(other.privateKey, 'utf8') }),
      path.join(dir, 'other'),
    )
    expect(
      (
        await cli([
          'import',
          byOther,
          '--require-signature',
          pair.publicKey,
          '--data-dir',
          path.join(dir, 'data'),
        ])
      ).code,
    ).toBe(1)
    expect(markerText(plugin.marker)).toBe('')

    const mine = writeBundle(
      markerBundle(plugin, { signWith: readFileSync(pair.privateKey, 'utf8') }),
      path.join(dir, 'mine'),
    )
    const result = await cli([
      'import',
      mine,
      '--require-signature',
      pair.publicKey,
      '--data-dir',
      path.join(dir, 'data'),
    ])
    expect(result.code).toBe(0)
    expect(markerText(plugin.marker)).toBe('loaded 1.0.0\n')
  })
})
