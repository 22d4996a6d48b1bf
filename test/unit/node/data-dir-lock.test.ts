import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LOCK_FILE, lockDataDir, lockHolder, startTimeOf } from '../../../src/node/data-dir-lock.js'

describe('data dir lock', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'mesh-lock-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('lets one holder in at a time and releases on unlock', async () => {
    const unlock = await lockDataDir(dir)
    expect(await lockHolder(dir)).toBe(process.pid)
    await expect(lockDataDir(dir)).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' })
    await unlock()
    expect(await lockHolder(dir)).toBeUndefined()
    await (await lockDataDir(dir))()
  })

  it('lets exactly one of several concurrent contenders in', async () => {
    const results = await Promise.allSettled([0, 1, 2, 3].map(async () => await lockDataDir(dir)))
    expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1)
  })

  it.each([
    ['a dead pid', async () => '999999999:1:x'],
    ['a live pid that started at another time (pid reuse)', async () => `${process.pid}:1:x`],
    ['an empty file', async () => '']
  ])('takes over a lock left by %s', async (_name, content) => {
    await writeFile(join(dir, LOCK_FILE), await content())
    await (await lockDataDir(dir))()
  })

  it('respects a lock held by another live process', async () => {
    await writeFile(join(dir, LOCK_FILE), `${process.ppid}:${await startTimeOf(process.ppid)}:x`)
    await expect(lockDataDir(dir)).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED', message: expect.stringContaining(String(process.ppid)) })
  })
})
