import { describe, expect, it } from 'vitest'
import { connectionsToClose, type RankedConnection } from '../../../src/node/connection-trimmer.js'

const conn = (name: string, value: number, direction: 'inbound' | 'outbound', open: number, wanted = false): RankedConnection & { name: string } =>
  ({ name, value, wanted, connection: { direction, timeline: { open } } })

describe('connectionsToClose', () => {
  it.each([
    ['the lowest tag sum first', [conn('worked', 100, 'inbound', 1), conn('stranger', 0, 'outbound', 2)], 1, ['stranger']],
    ['inbound before outbound at the same value', [conn('dialled', 0, 'outbound', 3), conn('dialler', 0, 'inbound', 1)], 1, ['dialler']],
    ['the newest first at the same value and direction', [conn('old', 0, 'inbound', 1), conn('new', 0, 'inbound', 2)], 1, ['new']],
    ['a gossip-mesh stranger before a peer that did work, whatever their tags', [{ ...conn('worked', 100, 'inbound', 1), worked: true }, conn('mesh stranger', 400, 'outbound', 2)], 1, ['mesh stranger']],
    ['never a peer the work needs', [conn('lease holder', 0, 'inbound', 9, true), conn('mesh', 400, 'outbound', 1)], 2, ['mesh']],
    ['nothing when not over the limit', [conn('a', 0, 'inbound', 1)], 0, []]
  ])('closes %s', (_, ranked, excess, names) => {
    expect(connectionsToClose(ranked, excess).map(c => c.name)).toEqual(names)
  })
})
