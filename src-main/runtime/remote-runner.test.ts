import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { readRemoteRunner } from './remote-runner'

/** A port nothing listens on: taken from the OS, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('reading a runner elsewhere', () => {
  it('says what is wrong with the URL before asking anything', async () => {
    await expect(readRemoteRunner('not a url', undefined, 5)).rejects.toMatchObject({
      code: 'bad-url',
    })
    await expect(readRemoteRunner('file:///etc/passwd', undefined, 5)).rejects.toMatchObject({
      code: 'bad-url',
    })
  })

  it('names the runner it cannot reach', async () => {
    const port = await closedPort()
    await expect(readRemoteRunner(`http://127.0.0.1:${port}`, 't', 5)).rejects.toMatchObject({
      code: 'remote-unreachable',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    })
  })
})
