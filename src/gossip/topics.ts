/**
 * Topic and protocol names, built and parsed only here. Each carries the network name and a
 * version, so two networks (or two incompatible protocol versions) never mix:
 *   topic:    /mesh-node/<network>/<name>/<version>
 *   protocol: /mesh-node/<network>/<name>/<version>   (libp2p stream protocols use the same shape)
 */

export const NAMESPACE = 'mesh-node'
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/

export interface TopicParts {
  network: string
  name: string
  version: number
}

function checkPart (label: string, value: string): void {
  if (!NAME_PATTERN.test(value)) throw new TypeError(`invalid ${label} "${value}" in a topic name`)
}

export function topicName ({ network, name, version }: TopicParts): string {
  checkPart('network', network)
  checkPart('name', name)
  if (!Number.isInteger(version) || version < 1) throw new TypeError(`invalid topic version ${version}`)
  return `/${NAMESPACE}/${network}/${name}/${version}`
}

/** The parts of a topic name, or undefined for anything that is not one of ours. */
export function parseTopic (topic: string): TopicParts | undefined {
  const parts = topic.split('/')
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== NAMESPACE) return undefined
  const [, , network, name, versionText] = parts as [string, string, string, string, string]
  if (!NAME_PATTERN.test(network) || !NAME_PATTERN.test(name) || !/^[1-9]\d{0,5}$/.test(versionText)) return undefined
  return { network, name, version: Number(versionText) }
}

/** Stream protocol ids share the topic shape. */
export const protocolName = topicName

/** The gossip message types, each on a topic of its own. */
export const GOSSIP_TYPES = ['announce', 'cancel', 'heartbeat', 'verdict'] as const
export type GossipType = typeof GOSSIP_TYPES[number]

export const WIRE_VERSION = 1

export function meshTopic (network: string, type: GossipType): string {
  return topicName({ network, name: type, version: WIRE_VERSION })
}

/** The point-to-point lease protocol between a task's worker and its owner. */
export function leaseProtocol (network: string): string {
  return protocolName({ network, name: 'lease', version: WIRE_VERSION })
}

/** The point-to-point blob protocol: large inputs, modules and outputs by hash. */
export function blobProtocol (network: string): string {
  return protocolName({ network, name: 'blob', version: WIRE_VERSION })
}

/** Reachability checks: a peer dials this node back (src/node/reachability.ts). */
export function dialBackProtocol (network: string): string {
  return protocolName({ network, name: 'dialback', version: 1 })
}
