/**
 * Limits on every variable field of the wire protocol (docs/PROTOCOL.md, "Limits").
 * A message over any of them is rejected before anything else looks at it.
 */
export const PROTOCOL_VERSION = 2

export const LIMITS = {
  /** Whole gossip message (the data of one gossipsub message). */
  gossipMessageBytes: 1024 * 1024,
  /** Whole point-to-point frame. */
  frameBytes: 1024 * 1024,
  peerIdBytes: 64,
  taskIdBytes: 32,
  hashBytes: 32,
  signatureBytes: 64,
  kindChars: 64,
  tasksPerAnnounce: 256,
  /** Kinds summarised in one announcement. */
  summaryKinds: 64,
  /** Tasks one pull asks for, and kinds it names. */
  pullCount: 1024,
  pullKinds: 64,
  inlineInputBytes: 64 * 1024,
  openReplicas: 16,
  redundancy: 16,
  /** Replica indexes go past redundancy when a quorum needs extra replicas. */
  replicaIndex: 63,
  slotsPerTask: 1024,
  slotsPerNode: 65_536,
  minHeartbeatMs: 100,
  /** On the wire; a receiver believes at most 5 minutes of it (windows.ts, DEFAULT_MAX_HEARTBEAT_MS). */
  maxHeartbeatMs: 3_600_000,
  maxAttempts: 100,
  timeoutMs: 24 * 3600 * 1000,
  priority: 1000,
  taskIdsPerCancel: 256,
  reasonChars: 256,
  capabilities: 64,
  agentChars: 64,
  addrsPerHeartbeat: 8,
  addrBytes: 256,
  evidence: 8,
  messagesPerFrame: 256,
  inlineOutputBytes: 64 * 1024,
  /** Wasm modules up to this size travel inside the grant; larger ones by hash. */
  inlineModuleBytes: 64 * 1024,
  /** Inputs, modules and outputs above their inline limits travel by hash over the blob protocol, up to this size. */
  blobBytes: 64 * 1024 * 1024,
  /** One chunk of a blob transfer. */
  blobChunkBytes: 256 * 1024,
  stderrTailChars: 4096,
  errorChars: 1024,
  progress: 100,
  /** Clock skew tolerated on message timestamps, either way. */
  futureSkewMs: 30_000,
  /** Age past which a gossiped message is stale (and a replay can no longer be told apart). */
  maxAgeMs: 120_000
} as const

export type Limits = typeof LIMITS
