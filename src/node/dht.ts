import { UnsupportedOperationError } from '@libp2p/interface'
import { kadDHT, type KadDHT, type KadDHTComponents, type KadDHTInit } from '@libp2p/kad-dht'
import type { Datastore } from 'interface-datastore'

/**
 * The mesh uses the DHT for peer routing only (FIND_NODE: who is near this id, where is this
 * peer). kad-dht 16 has no option to cap or turn off what remote peers store through it: every
 * ADD_PROVIDER and every PUT_VALUE that validates is written to the node's datastore, on disk,
 * with no per-peer limit. So this DHT stores nothing for anyone:
 * - PUT_VALUE: `pk` is the only record namespace kad-dht validates by default and it refuses any
 *   other; replacing that validator with one that refuses makes every record write fail
 *   validation before it reaches the datastore;
 * - ADD_PROVIDER (which no option reaches): the DHT gets a view of the datastore that refuses
 *   writes, so the provider entry is refused, and the handler stops before it merges the
 *   provider's addresses into the peer store.
 * Reads pass through (old entries stay answerable until kad-dht's cleanup deletes them).
 */
export function peerRoutingDHT (init: Omit<KadDHTInit, 'validators'>): (components: KadDHTComponents) => KadDHT {
  const create = kadDHT({ ...init, validators: { pk: refuseRecord } })
  return components => {
    let datastore: Datastore | undefined
    return create(new Proxy(components, {
      get: (target, prop) => {
        if (prop !== 'datastore') return Reflect.get(target, prop)
        datastore ??= withoutWrites(target.datastore)
        return datastore
      }
    }))
  }
}

async function refuseRecord (): Promise<void> {
  throw new UnsupportedOperationError('this node stores no DHT records')
}

function refuseWrite (): never {
  throw new UnsupportedOperationError('this node stores nothing for the DHT')
}

/** The datastore with its writes refused (put, putMany, batch); everything else as it is. */
function withoutWrites (datastore: Datastore): Datastore {
  return new Proxy(datastore, {
    get: (target, prop) => {
      if (prop === 'put' || prop === 'putMany' || prop === 'batch') return refuseWrite
      const value: unknown = Reflect.get(target, prop)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}
