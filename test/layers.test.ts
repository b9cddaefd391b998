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
    expect(await restrictedImports('src-main/engine/x.ts', "import { app } from 'electron'\nexport const a = app\n")).toHaveLength(1)
    expect(await restrictedImports('src-main/api/x.ts', "import { ipcMain } from 'electron'\nexport const a = ipcMain\n")).toHaveLength(1)
    expect(await restrictedImports('src-main/electron/main.ts', "import { app } from 'electron'\nexport const a = app\n")).toHaveLength(0)
    expect(await restrictedImports('src-preload/index.ts', "import { contextBridge } from 'electron'\nexport const a = contextBridge\n")).toHaveLength(0)
  })

  it('keeps src-shared free of Node and of the other layers', async () => {
    expect(await restrictedImports('src-shared/flow/x.ts', "import fs from 'node:fs'\nexport const a = fs\n")).toHaveLength(1)
    expect(await restrictedImports('src-shared/flow/x.ts', "import { Store } from '../../src-main/store/store'\nexport const a = Store\n")).toHaveLength(1)
  })

  it('keeps the renderer away from src-main and Node', async () => {
    expect(await restrictedImports('src-renderer/shell/x.tsx', "import { Engine } from '../../src-main/engine/runner'\nexport const a = Engine\n")).toHaveLength(1)
    expect(await restrictedImports('src-renderer/shell/x.tsx', "import path from 'node:path'\nexport const a = path\n")).toHaveLength(1)
  })
})
