import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './fixtures/flows'

const eslint = new ESLint({ cwd: repoRoot })

async function restrictedImports(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${file}` })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('the layers of design §1, enforced by lint', () => {
  it('lets only the Electron entry and the preload import electron', async () => {
    expect(
      await restrictedImports(
        'src-main/engine/x.ts',
        "import { app } from 'electron'\nexport const a = app\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'src-main/api/x.ts',
        "import { ipcMain } from 'electron'\nexport const a = ipcMain\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'src-main/electron/main.ts',
        "import { app } from 'electron'\nexport const a = app\n",
      ),
    ).toHaveLength(0)
    expect(
      await restrictedImports(
        'src-preload/index.ts',
        "import { contextBridge } from 'electron'\nexport const a = contextBridge\n",
      ),
    ).toHaveLength(0)
  })

  it('keeps src-shared free of Node and of the other layers', async () => {
    expect(
      await restrictedImports(
        'src-shared/flow/x.ts',
        "import fs from 'node:fs'\nexport const a = fs\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'src-shared/flow/x.ts',
        "import { Store } from '../../src-main/store/store'\nexport const a = Store\n",
      ),
    ).toHaveLength(1)
  })

  it('keeps the renderer away from src-main and Node', async () => {
    expect(
      await restrictedImports(
        'src-renderer/shell/x.tsx',
        "import { Engine } from '../../src-main/engine/runner'\nexport const a = Engine\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'src-renderer/shell/x.tsx',
        "import path from 'node:path'\nexport const a = path\n",
      ),
    ).toHaveLength(1)
  })
})

async function boundaryViolations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${file}` })
  return result!.messages
    .filter((m) => m.ruleId === 'boundaries/dependencies')
    .map((m) => m.message)
}

describe('what each layer may import (allow-lists)', () => {
  const cases: [string, string, string, number][] = [
    [
      'the engine: src-shared only',
      'src-main/engine/x.ts',
      "import { Store } from '../store/store'\nexport const a = Store\n",
      1,
    ],
    [
      'the engine may use src-shared',
      'src-main/engine/x.ts',
      "import { parseRef } from '../../src-shared/expr'\nexport const a = parseRef\n",
      0,
    ],
    [
      'the store: not the engine',
      'src-main/store/x.ts',
      "import { Engine } from '../engine/runner'\nexport const a = Engine\n",
      1,
    ],
    [
      'the store: the StateStore types only',
      'src-main/store/x.ts',
      "import type { StateStore } from '../engine/state-store'\nexport type A = StateStore\n",
      0,
    ],
    [
      'the store: no engine values, even from state-store',
      'src-main/store/x.ts',
      "import { MemoryStateStore } from '../engine/state-store'\nexport const a = MemoryStateStore\n",
      1,
    ],
    [
      'plugins: not src-main',
      'plugins/x/index.ts',
      "import { Store } from '../../src-main/store/store'\nexport const a = Store\n",
      1,
    ],
    [
      'plugins may share code with each other',
      'plugins/x/index.ts',
      "import { REF_SCHEMA } from '../shared/schemas'\nexport const a = REF_SCHEMA\n",
      0,
    ],
    [
      'the preload: the API contract only',
      'src-preload/x.ts',
      "import { validateFlow } from '../src-shared/flow/validate'\nexport const a = validateFlow\n",
      1,
    ],
    [
      'the preload may use the contract',
      'src-preload/x.ts',
      "import { methodNames } from '../src-shared/api/contract'\nexport const a = methodNames\n",
      0,
    ],
    [
      'the renderer: not plugins',
      'src-renderer/shell/x.tsx',
      "import p from '../../plugins/flow.if'\nexport const a = p\n",
      1,
    ],
    [
      'src-shared: nothing outside it',
      'src-shared/flow/x.ts',
      "import { Engine } from '../../src-main/engine/runner'\nexport const a = Engine\n",
      1,
    ],
  ]
  it.each(cases)('%s', async (_name, file, code, expected) => {
    expect(await boundaryViolations(file, code)).toHaveLength(expected)
  })
})
