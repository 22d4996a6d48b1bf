import { createPeerScoreParams, createPeerScoreThresholds, createTopicScoreParams, type PeerScoreParams, type PeerScoreThresholds, type TopicScoreParams } from '@libp2p/gossipsub/score'

/**
 * Gossipsub peer scoring for this mesh; docs/PROTOCOL.md ("Peer scoring") gives the reasons.
 * In short: invalid messages (P4) dominate everything else, so a peer that sends two rejected
 * messages falls below the graylist threshold at once and recovers only slowly;
 * mesh delivery rates (P3) are off because task traffic is bursty and a quiet topic would punish
 * honest peers; the IP-colocation penalty is off because many peers share one host or NAT.
 */
export const SCORE_THRESHOLDS: PeerScoreThresholds = createPeerScoreThresholds({
  gossipThreshold: -500,
  publishThreshold: -1000,
  graylistThreshold: -2500,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 5
})

export function topicScoreParams (weight: number): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: weight,
    // P1: up to +3 for a peer that stays in the mesh for 5 minutes.
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 300,
    // P2: up to +10 for a peer that is often first to deliver.
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 10,
    // P3, P3b: off (bursty traffic).
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 1,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    // P4: -1000 x (invalid messages)^2, decaying by 1% a second (half-life ~70 s): honest
    // peers never send an invalid message (a newer version is ignored, not rejected), so one
    // stops gossip with the sender and two graylist it, at topic weight 1.
    invalidMessageDeliveriesWeight: -1000,
    invalidMessageDeliveriesDecay: 0.99
  })
}

export interface ScoreParamsInit {
  /** Topic name -> weight. */
  topics: Record<string, number>
  /** The reputation module's view of a peer (P5); 0 until reputation lands. */
  appSpecificScore: (peerId: string) => number
}

export function peerScoreParams ({ topics, appSpecificScore }: ScoreParamsInit): PeerScoreParams {
  return createPeerScoreParams({
    topics: Object.fromEntries(Object.entries(topics).map(([topic, weight]) => [topic, topicScoreParams(weight)])),
    topicScoreCap: 50,
    appSpecificScore,
    appSpecificWeight: 1,
    IPColocationFactorWeight: 0,
    IPColocationFactorThreshold: 10,
    behaviourPenaltyWeight: -10,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: 0.99,
    decayInterval: 1000,
    decayToZero: 0.01,
    retainScore: 3_600_000
  })
}
