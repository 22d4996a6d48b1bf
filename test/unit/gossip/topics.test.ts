import { describe, expect, it } from 'vitest'
import { parseTopic, topicName } from '../../../src/gossip/topics.js'

describe('topic names', () => {
  it('round-trips network, name and version', () => {
    const parts = { network: 'mesh', name: 'heartbeat', version: 1 }
    expect(topicName(parts)).toBe('/mesh-node/mesh/heartbeat/1')
    expect(parseTopic(topicName(parts))).toEqual(parts)
  })

  it('gives different networks different topics', () => {
    expect(topicName({ network: 'red', name: 'tasks', version: 1 })).not.toBe(topicName({ network: 'blue', name: 'tasks', version: 1 }))
  })

  it.each(['', '/mesh-node/mesh/tasks', '/other/mesh/tasks/1', '/mesh-node/Mesh/tasks/1', '/mesh-node/mesh/tasks/0', '/mesh-node/mesh/tasks/x', '/mesh-node/mesh/tasks/1/extra'])(
    'parses %j as not ours', topic => {
      expect(parseTopic(topic)).toBeUndefined()
    })

  it('refuses to build a name from bad parts', () => {
    expect(() => topicName({ network: 'a/b', name: 'x', version: 1 })).toThrow(/network/)
    expect(() => topicName({ network: 'mesh', name: 'x', version: 0 })).toThrow(/version/)
  })
})
