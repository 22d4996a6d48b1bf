import type { MeshNode } from '../../src/node/mesh-node.js'

/** Gossip messages of one topic this node has validated, whatever the outcome. */
export async function validated (node: MeshNode, topic: string): Promise<number> {
  const metric = await node.metrics.gossipMessages.get()
  return metric.values.filter(v => v.labels.topic === topic).reduce((sum, v) => sum + v.value, 0)
}

/** Gossip messages this node ignored for this reason. */
export async function ignoredFor (node: MeshNode, reason: string): Promise<number> {
  const metric = await node.metrics.gossipMessages.get()
  return metric.values.filter(v => v.labels.result === 'ignore' && v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0)
}
