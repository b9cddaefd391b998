import { copyFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { Store } from '../store/store'
import { loadSecretKey, SecretCipher, SecretKeyError } from './secret-key'
import { Secrets } from './secrets'

const VALUE = 'pg-pa55w0rd-for-the-crm'

function open(dataDir: string, env: NodeJS.ProcessEnv = {}) {
  const store = Store.open(dataDir)
  return {
    store,
    secrets: new Secrets(store.environments, new SecretCipher(loadSecretKey({ dataDir, env }))),
  }
}

describe('secrets at rest', () => {
  it('are sealed in the database under a key file only the owner can read', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-secrets-'))
    const { store, secrets } = open(dir)
    secrets.set('crm', { user: 'ann', password: VALUE })
    expect(secrets.list()).toEqual([
      {
        name: 'crm',
        environment: null,
        fields: ['password', 'user'],
        updatedAt: expect.any(String),
      },
    ])
    expect(secrets.environment().secrets).toEqual({ crm: { user: 'ann', password: VALUE } })
    store.close()
    if (process.platform !== 'win32')
      expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600)
    for (const file of ['flowbench.db', 'flowbench.db-wal']) {
      try {
        expect(readFileSync(path.join(dir, file)).includes(VALUE)).toBe(false)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
  })

  it('a database copied to another machine without the key reveals nothing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-secrets-'))
    const first = open(dir)
    first.secrets.set('crm', { password: VALUE })
    first.store.close()
    const other = mkdtempSync(path.join(os.tmpdir(), 'flowbench-secrets-'))
    copyFileSync(path.join(dir, 'flowbench.db'), path.join(other, 'flowbench.db'))
    const copy = open(other)
    expect(copy.secrets.list().map((s) => s.name)).toEqual(['crm'])
    expect(() => copy.secrets.environment()).toThrow(SecretKeyError)
    expect(() => copy.secrets.environment()).toThrow(/another machine/)
    copy.store.close()
  })

  it('the key can come from FLOWBENCH_SECRET_KEY instead of a file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-secrets-'))
    const env = { FLOWBENCH_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }
    const { store, secrets } = open(dir, env)
    secrets.set('crm', { apiKey: VALUE })
    store.close()
    expect(open(dir, env).secrets.environment().secrets.crm).toEqual({ apiKey: VALUE })
    expect(() => loadSecretKey({ dataDir: dir, env: { FLOWBENCH_SECRET_KEY: 'short' } })).toThrow(
      /32-byte key/,
    )
  })
})

describe('environments', () => {
  it('a secret may differ per environment; shared secrets fill the gaps', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-secrets-'))
    const { store, secrets } = open(dir)
    secrets.set('crm', { apiKey: 'dev-key' })
    secrets.set('crm', { apiKey: 'prod-key' }, 'production')
    secrets.set('mail', { password: 'm' })
    secrets.saveEnvironment('production', { apiBase: 'https://api.example.com' })
    expect(secrets.currentEnvironment()).toBe('development')
    expect(secrets.environment().secrets.crm).toEqual({ apiKey: 'dev-key' })
    secrets.useEnvironment('production')
    const production = secrets.environment()
    expect(production).toEqual({
      name: 'production',
      vars: { apiBase: 'https://api.example.com' },
      secrets: { crm: { apiKey: 'prod-key' }, mail: { password: 'm' } },
    })
    expect(secrets.names()).toEqual({
      name: 'production',
      secrets: { crm: ['apiKey'], mail: ['password'] },
      vars: ['apiBase'],
    })
    secrets.rename('crm', 'sales')
    expect(secrets.environment().secrets.sales).toEqual({ apiKey: 'prod-key' })
    secrets.delete('sales', 'production')
    expect(secrets.environment().secrets.sales).toEqual({ apiKey: 'dev-key' })
    expect(() => secrets.set('bad name', { a: 'b' })).toThrow(/letters, digits/)
    expect(() => secrets.delete('nope')).toThrow(/no secret "nope"/)
    store.close()
  })
})
