import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface TaskAnnounce {
  version: number
  author: Uint8Array<ArrayBuffer>
  timestamp: number
  tasks: TaskOffer[]
  summary: WorkSummary[]
}

export namespace TaskAnnounce {
  let _codec: Codec<TaskAnnounce>

  export const codec = (): Codec<TaskAnnounce> => {
    if (_codec == null) {
      _codec = message<TaskAnnounce>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.author)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.timestamp)
        }

        if (obj.tasks != null && obj.tasks.length > 0) {
          for (const value of obj.tasks) {
            w.uint32(34)
            TaskOffer.codec().encode(value, w)
          }
        }

        if (obj.summary != null && obj.summary.length > 0) {
          for (const value of obj.summary) {
            w.uint32(42)
            WorkSummary.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          author: uint8ArrayAlloc(0),
          timestamp: 0,
          tasks: [],
          summary: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.author = reader.bytes()
              break
            }
            case 3: {
              obj.timestamp = reader.uint64Number()
              break
            }
            case 4: {
              if (opts.limits?.tasks != null && obj.tasks.length === opts.limits.tasks) {
                throw new MaxLengthError('Decode error - repeated field "tasks" had too many elements')
              }

              obj.tasks.push(TaskOffer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.tasks$
              }))
              break
            }
            case 5: {
              if (opts.limits?.summary != null && obj.summary.length === opts.limits.summary) {
                throw new MaxLengthError('Decode error - repeated field "summary" had too many elements')
              }

              obj.summary.push(WorkSummary.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.summary$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          tasks: 0,
          summary: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              if (opts.limits?.tasks != null && obj.tasks === opts.limits.tasks) {
                throw new MaxLengthError('Streaming decode error - repeated field "tasks" had too many elements')
              }

              for (const evt of TaskOffer.codec().stream(reader, reader.uint32(), `${prefix}.tasks[]`, {
                limits: opts.limits?.tasks$
              })) {
                yield {
                  ...evt,
                  index: obj.tasks
                }
              }

              obj.tasks++

              break
            }
            case 5: {
              if (opts.limits?.summary != null && obj.summary === opts.limits.summary) {
                throw new MaxLengthError('Streaming decode error - repeated field "summary" had too many elements')
              }

              for (const evt of WorkSummary.codec().stream(reader, reader.uint32(), `${prefix}.summary[]`, {
                limits: opts.limits?.summary$
              })) {
                yield {
                  ...evt,
                  index: obj.summary
                }
              }

              obj.summary++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface TaskAnnounceVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface TaskAnnounceAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TaskAnnounceTimestampFieldEvent {
    field: '$.timestamp'
    value: number
  }

  export interface TaskAnnounceTasksTaskIdFieldEvent {
    field: '$.tasks[].taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface TaskAnnounceTasksKindFieldEvent {
    field: '$.tasks[].kind'
    value: string
    index: number
  }

  export interface TaskAnnounceTasksRedundancyFieldEvent {
    field: '$.tasks[].redundancy'
    value: number
    index: number
  }

  export interface TaskAnnounceTasksTimeoutMsFieldEvent {
    field: '$.tasks[].timeoutMs'
    value: number
    index: number
  }

  export interface TaskAnnounceTasksMaxAttemptsFieldEvent {
    field: '$.tasks[].maxAttempts'
    value: number
    index: number
  }

  export interface TaskAnnounceTasksPriorityFieldEvent {
    field: '$.tasks[].priority'
    value: number
    index: number
  }

  export interface TaskAnnounceTasksDeadlineFieldEvent {
    field: '$.tasks[].deadline'
    value: number
    index: number
  }

  export interface TaskAnnounceTasksInputFieldEvent {
    field: '$.tasks[].input'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface TaskAnnounceTasksInputHashFieldEvent {
    field: '$.tasks[].inputHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface TaskAnnounceTasksInputSizeFieldEvent {
    field: '$.tasks[].inputSize'
    value: number
    index: number
  }

  export interface TaskAnnounceTasksOpenReplicasFieldEvent {
    field: '$.tasks[].openReplicas[]'
    index: number
    value: number
  }

  export interface TaskAnnounceTasksSlotsFieldEvent {
    field: '$.tasks[].slots'
    value: number
    index: number
  }

  export interface TaskAnnounceTasksMemoryBytesFieldEvent {
    field: '$.tasks[].memoryBytes'
    value: number
    index: number
  }

  export interface TaskAnnounceTasksDeterministicFieldEvent {
    field: '$.tasks[].deterministic'
    value: boolean
    index: number
  }

  export interface TaskAnnounceTasksModuleFieldEvent {
    field: '$.tasks[].module'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface TaskAnnounceTasksModuleHashFieldEvent {
    field: '$.tasks[].moduleHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface TaskAnnounceTasksModuleSizeFieldEvent {
    field: '$.tasks[].moduleSize'
    value: number
    index: number
  }

  export interface TaskAnnounceSummaryKindFieldEvent {
    field: '$.summary[].kind'
    value: string
    index: number
  }

  export interface TaskAnnounceSummaryOpenFieldEvent {
    field: '$.summary[].open'
    value: number
    index: number
  }

  export interface TaskAnnounceSummaryMaxPriorityFieldEvent {
    field: '$.summary[].maxPriority'
    value: number
    index: number
  }

  export interface TaskAnnounceSummarySlotsFieldEvent {
    field: '$.summary[].slots'
    value: number
    index: number
  }

  export interface TaskAnnounceSummaryMemoryBytesFieldEvent {
    field: '$.summary[].memoryBytes'
    value: number
    index: number
  }

  export interface TaskAnnounceSummaryDeterministicFieldEvent {
    field: '$.summary[].deterministic'
    value: boolean
    index: number
  }

  export function encode (obj: Partial<TaskAnnounce>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TaskAnnounce.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskAnnounce>): TaskAnnounce {
    return decodeMessage(buf, TaskAnnounce.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskAnnounce>): Generator<TaskAnnounceVersionFieldEvent | TaskAnnounceAuthorFieldEvent | TaskAnnounceTimestampFieldEvent | TaskAnnounceTasksTaskIdFieldEvent | TaskAnnounceTasksKindFieldEvent | TaskAnnounceTasksRedundancyFieldEvent | TaskAnnounceTasksTimeoutMsFieldEvent | TaskAnnounceTasksMaxAttemptsFieldEvent | TaskAnnounceTasksPriorityFieldEvent | TaskAnnounceTasksDeadlineFieldEvent | TaskAnnounceTasksInputFieldEvent | TaskAnnounceTasksInputHashFieldEvent | TaskAnnounceTasksInputSizeFieldEvent | TaskAnnounceTasksOpenReplicasFieldEvent | TaskAnnounceTasksSlotsFieldEvent | TaskAnnounceTasksMemoryBytesFieldEvent | TaskAnnounceTasksDeterministicFieldEvent | TaskAnnounceTasksModuleFieldEvent | TaskAnnounceTasksModuleHashFieldEvent | TaskAnnounceTasksModuleSizeFieldEvent | TaskAnnounceSummaryKindFieldEvent | TaskAnnounceSummaryOpenFieldEvent | TaskAnnounceSummaryMaxPriorityFieldEvent | TaskAnnounceSummarySlotsFieldEvent | TaskAnnounceSummaryMemoryBytesFieldEvent | TaskAnnounceSummaryDeterministicFieldEvent> {
    return streamMessage(buf, TaskAnnounce.codec(), opts)
  }
}

export interface WorkSummary {
  kind: string
  open: number
  maxPriority: number
  slots: number
  memoryBytes: number
  deterministic: boolean
}

export namespace WorkSummary {
  let _codec: Codec<WorkSummary>

  export const codec = (): Codec<WorkSummary> => {
    if (_codec == null) {
      _codec = message<WorkSummary>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(10)
          w.string(obj.kind)
        }

        if ((obj.open != null && obj.open !== 0)) {
          w.uint32(16)
          w.uint32(obj.open)
        }

        if ((obj.maxPriority != null && obj.maxPriority !== 0)) {
          w.uint32(24)
          w.sint32(obj.maxPriority)
        }

        if ((obj.slots != null && obj.slots !== 0)) {
          w.uint32(32)
          w.uint32(obj.slots)
        }

        if ((obj.memoryBytes != null && obj.memoryBytes !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.memoryBytes)
        }

        if ((obj.deterministic != null && obj.deterministic !== false)) {
          w.uint32(48)
          w.bool(obj.deterministic)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: '',
          open: 0,
          maxPriority: 0,
          slots: 0,
          memoryBytes: 0,
          deterministic: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = reader.string()
              break
            }
            case 2: {
              obj.open = reader.uint32()
              break
            }
            case 3: {
              obj.maxPriority = reader.sint32()
              break
            }
            case 4: {
              obj.slots = reader.uint32()
              break
            }
            case 5: {
              obj.memoryBytes = reader.uint64Number()
              break
            }
            case 6: {
              obj.deterministic = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.open`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.maxPriority`,
                value: reader.sint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.slots`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.memoryBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.deterministic`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface WorkSummaryKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface WorkSummaryOpenFieldEvent {
    field: '$.open'
    value: number
  }

  export interface WorkSummaryMaxPriorityFieldEvent {
    field: '$.maxPriority'
    value: number
  }

  export interface WorkSummarySlotsFieldEvent {
    field: '$.slots'
    value: number
  }

  export interface WorkSummaryMemoryBytesFieldEvent {
    field: '$.memoryBytes'
    value: number
  }

  export interface WorkSummaryDeterministicFieldEvent {
    field: '$.deterministic'
    value: boolean
  }

  export function encode (obj: Partial<WorkSummary>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WorkSummary.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WorkSummary>): WorkSummary {
    return decodeMessage(buf, WorkSummary.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WorkSummary>): Generator<WorkSummaryKindFieldEvent | WorkSummaryOpenFieldEvent | WorkSummaryMaxPriorityFieldEvent | WorkSummarySlotsFieldEvent | WorkSummaryMemoryBytesFieldEvent | WorkSummaryDeterministicFieldEvent> {
    return streamMessage(buf, WorkSummary.codec(), opts)
  }
}

export interface TaskOffer {
  taskId: Uint8Array<ArrayBuffer>
  kind: string
  redundancy: number
  timeoutMs: number
  maxAttempts: number
  priority: number
  deadline: number
  input: Uint8Array<ArrayBuffer>
  inputHash: Uint8Array<ArrayBuffer>
  inputSize: number
  openReplicas: number[]
  slots: number
  memoryBytes: number
  deterministic: boolean
  module: Uint8Array<ArrayBuffer>
  moduleHash: Uint8Array<ArrayBuffer>
  moduleSize: number
}

export namespace TaskOffer {
  let _codec: Codec<TaskOffer>

  export const codec = (): Codec<TaskOffer> => {
    if (_codec == null) {
      _codec = message<TaskOffer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.taskId != null && obj.taskId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.taskId)
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(18)
          w.string(obj.kind)
        }

        if ((obj.redundancy != null && obj.redundancy !== 0)) {
          w.uint32(24)
          w.uint32(obj.redundancy)
        }

        if ((obj.timeoutMs != null && obj.timeoutMs !== 0)) {
          w.uint32(32)
          w.uint32(obj.timeoutMs)
        }

        if ((obj.maxAttempts != null && obj.maxAttempts !== 0)) {
          w.uint32(40)
          w.uint32(obj.maxAttempts)
        }

        if ((obj.priority != null && obj.priority !== 0)) {
          w.uint32(48)
          w.sint32(obj.priority)
        }

        if ((obj.deadline != null && obj.deadline !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.deadline)
        }

        if ((obj.input != null && obj.input.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.input)
        }

        if ((obj.inputHash != null && obj.inputHash.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.inputHash)
        }

        if ((obj.inputSize != null && obj.inputSize !== 0)) {
          w.uint32(80)
          w.uint64Number(obj.inputSize)
        }

        if (obj.openReplicas != null && obj.openReplicas.length > 0) {
          for (const value of obj.openReplicas) {
            w.uint32(88)
            w.uint32(value)
          }
        }

        if ((obj.slots != null && obj.slots !== 0)) {
          w.uint32(96)
          w.uint32(obj.slots)
        }

        if ((obj.memoryBytes != null && obj.memoryBytes !== 0)) {
          w.uint32(104)
          w.uint64Number(obj.memoryBytes)
        }

        if ((obj.deterministic != null && obj.deterministic !== false)) {
          w.uint32(112)
          w.bool(obj.deterministic)
        }

        if ((obj.module != null && obj.module.byteLength > 0)) {
          w.uint32(122)
          w.bytes(obj.module)
        }

        if ((obj.moduleHash != null && obj.moduleHash.byteLength > 0)) {
          w.uint32(130)
          w.bytes(obj.moduleHash)
        }

        if ((obj.moduleSize != null && obj.moduleSize !== 0)) {
          w.uint32(136)
          w.uint64Number(obj.moduleSize)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          taskId: uint8ArrayAlloc(0),
          kind: '',
          redundancy: 0,
          timeoutMs: 0,
          maxAttempts: 0,
          priority: 0,
          deadline: 0,
          input: uint8ArrayAlloc(0),
          inputHash: uint8ArrayAlloc(0),
          inputSize: 0,
          openReplicas: [],
          slots: 0,
          memoryBytes: 0,
          deterministic: false,
          module: uint8ArrayAlloc(0),
          moduleHash: uint8ArrayAlloc(0),
          moduleSize: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.taskId = reader.bytes()
              break
            }
            case 2: {
              obj.kind = reader.string()
              break
            }
            case 3: {
              obj.redundancy = reader.uint32()
              break
            }
            case 4: {
              obj.timeoutMs = reader.uint32()
              break
            }
            case 5: {
              obj.maxAttempts = reader.uint32()
              break
            }
            case 6: {
              obj.priority = reader.sint32()
              break
            }
            case 7: {
              obj.deadline = reader.uint64Number()
              break
            }
            case 8: {
              obj.input = reader.bytes()
              break
            }
            case 9: {
              obj.inputHash = reader.bytes()
              break
            }
            case 10: {
              obj.inputSize = reader.uint64Number()
              break
            }
            case 11: {
              if (opts.limits?.openReplicas != null && obj.openReplicas.length === opts.limits.openReplicas) {
                throw new MaxLengthError('Decode error - repeated field "openReplicas" had too many elements')
              }

              obj.openReplicas.push(reader.uint32())
              break
            }
            case 12: {
              obj.slots = reader.uint32()
              break
            }
            case 13: {
              obj.memoryBytes = reader.uint64Number()
              break
            }
            case 14: {
              obj.deterministic = reader.bool()
              break
            }
            case 15: {
              obj.module = reader.bytes()
              break
            }
            case 16: {
              obj.moduleHash = reader.bytes()
              break
            }
            case 17: {
              obj.moduleSize = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          openReplicas: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.taskId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.redundancy`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.timeoutMs`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.maxAttempts`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.priority`,
                value: reader.sint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.deadline`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.input`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.inputHash`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.inputSize`,
                value: reader.uint64Number()
              }
              break
            }
            case 11: {
              if (opts.limits?.openReplicas != null && obj.openReplicas === opts.limits.openReplicas) {
                throw new MaxLengthError('Streaming decode error - repeated field "openReplicas" had too many elements')
              }

              yield {
                field: `${prefix}.openReplicas[]`,
                index: obj.openReplicas,
                value: reader.uint32()
              }

              obj.openReplicas++

              break
            }
            case 12: {
              yield {
                field: `${prefix}.slots`,
                value: reader.uint32()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.memoryBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.deterministic`,
                value: reader.bool()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.module`,
                value: reader.bytes()
              }
              break
            }
            case 16: {
              yield {
                field: `${prefix}.moduleHash`,
                value: reader.bytes()
              }
              break
            }
            case 17: {
              yield {
                field: `${prefix}.moduleSize`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface TaskOfferTaskIdFieldEvent {
    field: '$.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TaskOfferKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface TaskOfferRedundancyFieldEvent {
    field: '$.redundancy'
    value: number
  }

  export interface TaskOfferTimeoutMsFieldEvent {
    field: '$.timeoutMs'
    value: number
  }

  export interface TaskOfferMaxAttemptsFieldEvent {
    field: '$.maxAttempts'
    value: number
  }

  export interface TaskOfferPriorityFieldEvent {
    field: '$.priority'
    value: number
  }

  export interface TaskOfferDeadlineFieldEvent {
    field: '$.deadline'
    value: number
  }

  export interface TaskOfferInputFieldEvent {
    field: '$.input'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TaskOfferInputHashFieldEvent {
    field: '$.inputHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TaskOfferInputSizeFieldEvent {
    field: '$.inputSize'
    value: number
  }

  export interface TaskOfferOpenReplicasFieldEvent {
    field: '$.openReplicas[]'
    index: number
    value: number
  }

  export interface TaskOfferSlotsFieldEvent {
    field: '$.slots'
    value: number
  }

  export interface TaskOfferMemoryBytesFieldEvent {
    field: '$.memoryBytes'
    value: number
  }

  export interface TaskOfferDeterministicFieldEvent {
    field: '$.deterministic'
    value: boolean
  }

  export interface TaskOfferModuleFieldEvent {
    field: '$.module'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TaskOfferModuleHashFieldEvent {
    field: '$.moduleHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TaskOfferModuleSizeFieldEvent {
    field: '$.moduleSize'
    value: number
  }

  export function encode (obj: Partial<TaskOffer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TaskOffer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskOffer>): TaskOffer {
    return decodeMessage(buf, TaskOffer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskOffer>): Generator<TaskOfferTaskIdFieldEvent | TaskOfferKindFieldEvent | TaskOfferRedundancyFieldEvent | TaskOfferTimeoutMsFieldEvent | TaskOfferMaxAttemptsFieldEvent | TaskOfferPriorityFieldEvent | TaskOfferDeadlineFieldEvent | TaskOfferInputFieldEvent | TaskOfferInputHashFieldEvent | TaskOfferInputSizeFieldEvent | TaskOfferOpenReplicasFieldEvent | TaskOfferSlotsFieldEvent | TaskOfferMemoryBytesFieldEvent | TaskOfferDeterministicFieldEvent | TaskOfferModuleFieldEvent | TaskOfferModuleHashFieldEvent | TaskOfferModuleSizeFieldEvent> {
    return streamMessage(buf, TaskOffer.codec(), opts)
  }
}

export interface TaskCancel {
  version: number
  author: Uint8Array<ArrayBuffer>
  timestamp: number
  taskIds: Uint8Array<ArrayBuffer>[]
  reason: string
}

export namespace TaskCancel {
  let _codec: Codec<TaskCancel>

  export const codec = (): Codec<TaskCancel> => {
    if (_codec == null) {
      _codec = message<TaskCancel>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.author)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.timestamp)
        }

        if (obj.taskIds != null && obj.taskIds.length > 0) {
          for (const value of obj.taskIds) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(42)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          author: uint8ArrayAlloc(0),
          timestamp: 0,
          taskIds: [],
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.author = reader.bytes()
              break
            }
            case 3: {
              obj.timestamp = reader.uint64Number()
              break
            }
            case 4: {
              if (opts.limits?.taskIds != null && obj.taskIds.length === opts.limits.taskIds) {
                throw new MaxLengthError('Decode error - repeated field "taskIds" had too many elements')
              }

              obj.taskIds.push(reader.bytes())
              break
            }
            case 5: {
              obj.reason = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          taskIds: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              if (opts.limits?.taskIds != null && obj.taskIds === opts.limits.taskIds) {
                throw new MaxLengthError('Streaming decode error - repeated field "taskIds" had too many elements')
              }

              yield {
                field: `${prefix}.taskIds[]`,
                index: obj.taskIds,
                value: reader.bytes()
              }

              obj.taskIds++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface TaskCancelVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface TaskCancelAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TaskCancelTimestampFieldEvent {
    field: '$.timestamp'
    value: number
  }

  export interface TaskCancelTaskIdsFieldEvent {
    field: '$.taskIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface TaskCancelReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<TaskCancel>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TaskCancel.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskCancel>): TaskCancel {
    return decodeMessage(buf, TaskCancel.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskCancel>): Generator<TaskCancelVersionFieldEvent | TaskCancelAuthorFieldEvent | TaskCancelTimestampFieldEvent | TaskCancelTaskIdsFieldEvent | TaskCancelReasonFieldEvent> {
    return streamMessage(buf, TaskCancel.codec(), opts)
  }
}

export interface Heartbeat {
  version: number
  author: Uint8Array<ArrayBuffer>
  timestamp: number
  capabilities: Capability[]
  slotsFree: number
  slotsTotal: number
  memoryFree: number
  loadMilli: number
  intervalMs: number
  agent: string
  addrs: Uint8Array<ArrayBuffer>[]
}

export namespace Heartbeat {
  let _codec: Codec<Heartbeat>

  export const codec = (): Codec<Heartbeat> => {
    if (_codec == null) {
      _codec = message<Heartbeat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.author)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.timestamp)
        }

        if (obj.capabilities != null && obj.capabilities.length > 0) {
          for (const value of obj.capabilities) {
            w.uint32(34)
            Capability.codec().encode(value, w)
          }
        }

        if ((obj.slotsFree != null && obj.slotsFree !== 0)) {
          w.uint32(40)
          w.uint32(obj.slotsFree)
        }

        if ((obj.slotsTotal != null && obj.slotsTotal !== 0)) {
          w.uint32(48)
          w.uint32(obj.slotsTotal)
        }

        if ((obj.memoryFree != null && obj.memoryFree !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.memoryFree)
        }

        if ((obj.loadMilli != null && obj.loadMilli !== 0)) {
          w.uint32(64)
          w.uint32(obj.loadMilli)
        }

        if ((obj.intervalMs != null && obj.intervalMs !== 0)) {
          w.uint32(72)
          w.uint32(obj.intervalMs)
        }

        if ((obj.agent != null && obj.agent !== '')) {
          w.uint32(82)
          w.string(obj.agent)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(90)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          author: uint8ArrayAlloc(0),
          timestamp: 0,
          capabilities: [],
          slotsFree: 0,
          slotsTotal: 0,
          memoryFree: 0,
          loadMilli: 0,
          intervalMs: 0,
          agent: '',
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.author = reader.bytes()
              break
            }
            case 3: {
              obj.timestamp = reader.uint64Number()
              break
            }
            case 4: {
              if (opts.limits?.capabilities != null && obj.capabilities.length === opts.limits.capabilities) {
                throw new MaxLengthError('Decode error - repeated field "capabilities" had too many elements')
              }

              obj.capabilities.push(Capability.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.capabilities$
              }))
              break
            }
            case 5: {
              obj.slotsFree = reader.uint32()
              break
            }
            case 6: {
              obj.slotsTotal = reader.uint32()
              break
            }
            case 7: {
              obj.memoryFree = reader.uint64Number()
              break
            }
            case 8: {
              obj.loadMilli = reader.uint32()
              break
            }
            case 9: {
              obj.intervalMs = reader.uint32()
              break
            }
            case 10: {
              obj.agent = reader.string()
              break
            }
            case 11: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          capabilities: 0,
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              if (opts.limits?.capabilities != null && obj.capabilities === opts.limits.capabilities) {
                throw new MaxLengthError('Streaming decode error - repeated field "capabilities" had too many elements')
              }

              for (const evt of Capability.codec().stream(reader, reader.uint32(), `${prefix}.capabilities[]`, {
                limits: opts.limits?.capabilities$
              })) {
                yield {
                  ...evt,
                  index: obj.capabilities
                }
              }

              obj.capabilities++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.slotsFree`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.slotsTotal`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.memoryFree`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.loadMilli`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.intervalMs`,
                value: reader.uint32()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.agent`,
                value: reader.string()
              }
              break
            }
            case 11: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HeartbeatVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface HeartbeatAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HeartbeatTimestampFieldEvent {
    field: '$.timestamp'
    value: number
  }

  export interface HeartbeatCapabilitiesKindFieldEvent {
    field: '$.capabilities[].kind'
    value: string
    index: number
  }

  export interface HeartbeatCapabilitiesDeterministicFieldEvent {
    field: '$.capabilities[].deterministic'
    value: boolean
    index: number
  }

  export interface HeartbeatSlotsFreeFieldEvent {
    field: '$.slotsFree'
    value: number
  }

  export interface HeartbeatSlotsTotalFieldEvent {
    field: '$.slotsTotal'
    value: number
  }

  export interface HeartbeatMemoryFreeFieldEvent {
    field: '$.memoryFree'
    value: number
  }

  export interface HeartbeatLoadMilliFieldEvent {
    field: '$.loadMilli'
    value: number
  }

  export interface HeartbeatIntervalMsFieldEvent {
    field: '$.intervalMs'
    value: number
  }

  export interface HeartbeatAgentFieldEvent {
    field: '$.agent'
    value: string
  }

  export interface HeartbeatAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Heartbeat>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Heartbeat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Heartbeat {
    return decodeMessage(buf, Heartbeat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Generator<HeartbeatVersionFieldEvent | HeartbeatAuthorFieldEvent | HeartbeatTimestampFieldEvent | HeartbeatCapabilitiesKindFieldEvent | HeartbeatCapabilitiesDeterministicFieldEvent | HeartbeatSlotsFreeFieldEvent | HeartbeatSlotsTotalFieldEvent | HeartbeatMemoryFreeFieldEvent | HeartbeatLoadMilliFieldEvent | HeartbeatIntervalMsFieldEvent | HeartbeatAgentFieldEvent | HeartbeatAddrsFieldEvent> {
    return streamMessage(buf, Heartbeat.codec(), opts)
  }
}

export interface Capability {
  kind: string
  deterministic: boolean
}

export namespace Capability {
  let _codec: Codec<Capability>

  export const codec = (): Codec<Capability> => {
    if (_codec == null) {
      _codec = message<Capability>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(10)
          w.string(obj.kind)
        }

        if ((obj.deterministic != null && obj.deterministic !== false)) {
          w.uint32(16)
          w.bool(obj.deterministic)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: '',
          deterministic: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = reader.string()
              break
            }
            case 2: {
              obj.deterministic = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.deterministic`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CapabilityKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface CapabilityDeterministicFieldEvent {
    field: '$.deterministic'
    value: boolean
  }

  export function encode (obj: Partial<Capability>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Capability.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Capability>): Capability {
    return decodeMessage(buf, Capability.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Capability>): Generator<CapabilityKindFieldEvent | CapabilityDeterministicFieldEvent> {
    return streamMessage(buf, Capability.codec(), opts)
  }
}

export interface Verdict {
  version: number
  author: Uint8Array<ArrayBuffer>
  timestamp: number
  subject: Uint8Array<ArrayBuffer>
  kind: VerdictKind
  task?: TaskRef
  evidence: SignedResult[]
}

export namespace Verdict {
  let _codec: Codec<Verdict>

  export const codec = (): Codec<Verdict> => {
    if (_codec == null) {
      _codec = message<Verdict>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.author)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.timestamp)
        }

        if ((obj.subject != null && obj.subject.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.subject)
        }

        if (obj.kind != null && __VerdictKindValues[obj.kind] !== 0) {
          w.uint32(40)
          VerdictKind.codec().encode(obj.kind, w)
        }

        if (obj.task != null) {
          w.uint32(50)
          TaskRef.codec().encode(obj.task, w)
        }

        if (obj.evidence != null && obj.evidence.length > 0) {
          for (const value of obj.evidence) {
            w.uint32(58)
            SignedResult.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          author: uint8ArrayAlloc(0),
          timestamp: 0,
          subject: uint8ArrayAlloc(0),
          kind: VerdictKind.VERDICT_UNSPECIFIED,
          evidence: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.author = reader.bytes()
              break
            }
            case 3: {
              obj.timestamp = reader.uint64Number()
              break
            }
            case 4: {
              obj.subject = reader.bytes()
              break
            }
            case 5: {
              obj.kind = VerdictKind.codec().decode(reader)
              break
            }
            case 6: {
              obj.task = TaskRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.task
              })
              break
            }
            case 7: {
              if (opts.limits?.evidence != null && obj.evidence.length === opts.limits.evidence) {
                throw new MaxLengthError('Decode error - repeated field "evidence" had too many elements')
              }

              obj.evidence.push(SignedResult.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.evidence$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          evidence: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.subject`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.kind`,
                value: VerdictKind.codec().decode(reader)
              }
              break
            }
            case 6: {
              yield * TaskRef.codec().stream(reader, reader.uint32(), `${prefix}.task`, {
                limits: opts.limits?.task
              })

              break
            }
            case 7: {
              if (opts.limits?.evidence != null && obj.evidence === opts.limits.evidence) {
                throw new MaxLengthError('Streaming decode error - repeated field "evidence" had too many elements')
              }

              for (const evt of SignedResult.codec().stream(reader, reader.uint32(), `${prefix}.evidence[]`, {
                limits: opts.limits?.evidence$
              })) {
                yield {
                  ...evt,
                  index: obj.evidence
                }
              }

              obj.evidence++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface VerdictVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface VerdictAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VerdictTimestampFieldEvent {
    field: '$.timestamp'
    value: number
  }

  export interface VerdictSubjectFieldEvent {
    field: '$.subject'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VerdictKindFieldEvent {
    field: '$.kind'
    value: VerdictKind
  }

  export interface VerdictTaskOwnerFieldEvent {
    field: '$.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VerdictTaskTaskIdFieldEvent {
    field: '$.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VerdictTaskReplicaFieldEvent {
    field: '$.task.replica'
    value: number
  }

  export interface VerdictTaskEpochFieldEvent {
    field: '$.task.epoch'
    value: number
  }

  export interface VerdictEvidenceTaskOwnerFieldEvent {
    field: '$.evidence[].task.owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface VerdictEvidenceTaskTaskIdFieldEvent {
    field: '$.evidence[].task.taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface VerdictEvidenceTaskReplicaFieldEvent {
    field: '$.evidence[].task.replica'
    value: number
    index: number
  }

  export interface VerdictEvidenceTaskEpochFieldEvent {
    field: '$.evidence[].task.epoch'
    value: number
    index: number
  }

  export interface VerdictEvidenceWorkerFieldEvent {
    field: '$.evidence[].worker'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface VerdictEvidenceStatusFieldEvent {
    field: '$.evidence[].status'
    value: ResultStatus
    index: number
  }

  export interface VerdictEvidenceOutputHashFieldEvent {
    field: '$.evidence[].outputHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface VerdictEvidenceSignatureFieldEvent {
    field: '$.evidence[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<Verdict>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Verdict.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Verdict>): Verdict {
    return decodeMessage(buf, Verdict.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Verdict>): Generator<VerdictVersionFieldEvent | VerdictAuthorFieldEvent | VerdictTimestampFieldEvent | VerdictSubjectFieldEvent | VerdictKindFieldEvent | VerdictTaskOwnerFieldEvent | VerdictTaskTaskIdFieldEvent | VerdictTaskReplicaFieldEvent | VerdictTaskEpochFieldEvent | VerdictEvidenceTaskOwnerFieldEvent | VerdictEvidenceTaskTaskIdFieldEvent | VerdictEvidenceTaskReplicaFieldEvent | VerdictEvidenceTaskEpochFieldEvent | VerdictEvidenceWorkerFieldEvent | VerdictEvidenceStatusFieldEvent | VerdictEvidenceOutputHashFieldEvent | VerdictEvidenceSignatureFieldEvent> {
    return streamMessage(buf, Verdict.codec(), opts)
  }
}

export enum VerdictKind {
  VERDICT_UNSPECIFIED = 'VERDICT_UNSPECIFIED',
  VERIFIED_SUCCESS = 'VERIFIED_SUCCESS',
  MISREPORT = 'MISREPORT'
}

enum __VerdictKindValues {
  VERDICT_UNSPECIFIED = 0,
  VERIFIED_SUCCESS = 1,
  MISREPORT = 2
}

export namespace VerdictKind {
  export const codec = (): Codec<VerdictKind> => {
    return enumeration<VerdictKind>(__VerdictKindValues)
  }
}

export interface LeaseFrame {
  version: number
  messages: LeaseMessage[]
}

export namespace LeaseFrame {
  let _codec: Codec<LeaseFrame>

  export const codec = (): Codec<LeaseFrame> => {
    if (_codec == null) {
      _codec = message<LeaseFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(18)
            LeaseMessage.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          messages: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(LeaseMessage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.messages$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          messages: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              for (const evt of LeaseMessage.codec().stream(reader, reader.uint32(), `${prefix}.messages[]`, {
                limits: opts.limits?.messages$
              })) {
                yield {
                  ...evt,
                  index: obj.messages
                }
              }

              obj.messages++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LeaseFrameVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface LeaseFrameMessagesClaimTaskOwnerFieldEvent {
    field: '$.messages[].claim.task.owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesClaimTaskTaskIdFieldEvent {
    field: '$.messages[].claim.task.taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesClaimTaskReplicaFieldEvent {
    field: '$.messages[].claim.task.replica'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesClaimTaskEpochFieldEvent {
    field: '$.messages[].claim.task.epoch'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesClaimWorkerFieldEvent {
    field: '$.messages[].claim.worker'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesGrantTaskOwnerFieldEvent {
    field: '$.messages[].grant.task.owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesGrantTaskTaskIdFieldEvent {
    field: '$.messages[].grant.task.taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesGrantTaskReplicaFieldEvent {
    field: '$.messages[].grant.task.replica'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantTaskEpochFieldEvent {
    field: '$.messages[].grant.task.epoch'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantWorkerFieldEvent {
    field: '$.messages[].grant.worker'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesGrantExpiresAtFieldEvent {
    field: '$.messages[].grant.expiresAt'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantTtlMsFieldEvent {
    field: '$.messages[].grant.ttlMs'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferTaskIdFieldEvent {
    field: '$.messages[].grant.offer.taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferKindFieldEvent {
    field: '$.messages[].grant.offer.kind'
    value: string
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferRedundancyFieldEvent {
    field: '$.messages[].grant.offer.redundancy'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferTimeoutMsFieldEvent {
    field: '$.messages[].grant.offer.timeoutMs'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferMaxAttemptsFieldEvent {
    field: '$.messages[].grant.offer.maxAttempts'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferPriorityFieldEvent {
    field: '$.messages[].grant.offer.priority'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferDeadlineFieldEvent {
    field: '$.messages[].grant.offer.deadline'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferInputFieldEvent {
    field: '$.messages[].grant.offer.input'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferInputHashFieldEvent {
    field: '$.messages[].grant.offer.inputHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferInputSizeFieldEvent {
    field: '$.messages[].grant.offer.inputSize'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferOpenReplicasFieldEvent {
    field: '$.messages[].grant.offer.openReplicas[]'
    index: number
    value: number
  }

  export interface LeaseFrameMessagesGrantOfferSlotsFieldEvent {
    field: '$.messages[].grant.offer.slots'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferMemoryBytesFieldEvent {
    field: '$.messages[].grant.offer.memoryBytes'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferDeterministicFieldEvent {
    field: '$.messages[].grant.offer.deterministic'
    value: boolean
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferModuleFieldEvent {
    field: '$.messages[].grant.offer.module'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferModuleHashFieldEvent {
    field: '$.messages[].grant.offer.moduleHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesGrantOfferModuleSizeFieldEvent {
    field: '$.messages[].grant.offer.moduleSize'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesRenewTaskOwnerFieldEvent {
    field: '$.messages[].renew.task.owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesRenewTaskTaskIdFieldEvent {
    field: '$.messages[].renew.task.taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesRenewTaskReplicaFieldEvent {
    field: '$.messages[].renew.task.replica'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesRenewTaskEpochFieldEvent {
    field: '$.messages[].renew.task.epoch'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesRenewWorkerFieldEvent {
    field: '$.messages[].renew.worker'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesRenewProgressFieldEvent {
    field: '$.messages[].renew.progress'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesReleaseTaskOwnerFieldEvent {
    field: '$.messages[].release.task.owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesReleaseTaskTaskIdFieldEvent {
    field: '$.messages[].release.task.taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesReleaseTaskReplicaFieldEvent {
    field: '$.messages[].release.task.replica'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesReleaseTaskEpochFieldEvent {
    field: '$.messages[].release.task.epoch'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesReleaseWorkerFieldEvent {
    field: '$.messages[].release.worker'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesReleaseReasonFieldEvent {
    field: '$.messages[].release.reason'
    value: string
    index: number
  }

  export interface LeaseFrameMessagesResultSignedTaskOwnerFieldEvent {
    field: '$.messages[].result.signed.task.owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesResultSignedTaskTaskIdFieldEvent {
    field: '$.messages[].result.signed.task.taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesResultSignedTaskReplicaFieldEvent {
    field: '$.messages[].result.signed.task.replica'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesResultSignedTaskEpochFieldEvent {
    field: '$.messages[].result.signed.task.epoch'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesResultSignedWorkerFieldEvent {
    field: '$.messages[].result.signed.worker'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesResultSignedStatusFieldEvent {
    field: '$.messages[].result.signed.status'
    value: ResultStatus
    index: number
  }

  export interface LeaseFrameMessagesResultSignedOutputHashFieldEvent {
    field: '$.messages[].result.signed.outputHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesResultSignedSignatureFieldEvent {
    field: '$.messages[].result.signed.signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesResultOutputFieldEvent {
    field: '$.messages[].result.output'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesResultOutputSizeFieldEvent {
    field: '$.messages[].result.outputSize'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesResultStderrTailFieldEvent {
    field: '$.messages[].result.stderrTail'
    value: string
    index: number
  }

  export interface LeaseFrameMessagesResultExitCodeFieldEvent {
    field: '$.messages[].result.exitCode'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesResultStartedAtFieldEvent {
    field: '$.messages[].result.startedAt'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesResultFinishedAtFieldEvent {
    field: '$.messages[].result.finishedAt'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesResultErrorFieldEvent {
    field: '$.messages[].result.error'
    value: string
    index: number
  }

  export interface LeaseFrameMessagesRefusalTaskOwnerFieldEvent {
    field: '$.messages[].refusal.task.owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesRefusalTaskTaskIdFieldEvent {
    field: '$.messages[].refusal.task.taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesRefusalTaskReplicaFieldEvent {
    field: '$.messages[].refusal.task.replica'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesRefusalTaskEpochFieldEvent {
    field: '$.messages[].refusal.task.epoch'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesRefusalCodeFieldEvent {
    field: '$.messages[].refusal.code'
    value: RefusalCode
    index: number
  }

  export interface LeaseFrameMessagesRefusalReasonFieldEvent {
    field: '$.messages[].refusal.reason'
    value: string
    index: number
  }

  export interface LeaseFrameMessagesCancelTaskOwnerFieldEvent {
    field: '$.messages[].cancel.task.owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesCancelTaskTaskIdFieldEvent {
    field: '$.messages[].cancel.task.taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesCancelTaskReplicaFieldEvent {
    field: '$.messages[].cancel.task.replica'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesCancelTaskEpochFieldEvent {
    field: '$.messages[].cancel.task.epoch'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesCancelReasonFieldEvent {
    field: '$.messages[].cancel.reason'
    value: string
    index: number
  }

  export interface LeaseFrameMessagesAckTaskOwnerFieldEvent {
    field: '$.messages[].ack.task.owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesAckTaskTaskIdFieldEvent {
    field: '$.messages[].ack.task.taskId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesAckTaskReplicaFieldEvent {
    field: '$.messages[].ack.task.replica'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesAckTaskEpochFieldEvent {
    field: '$.messages[].ack.task.epoch'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesPullWorkerFieldEvent {
    field: '$.messages[].pull.worker'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesPullCountFieldEvent {
    field: '$.messages[].pull.count'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesPullKindsFieldEvent {
    field: '$.messages[].pull.kinds[]'
    index: number
    value: string
  }

  export interface LeaseFrameMessagesPullSlotsFieldEvent {
    field: '$.messages[].pull.slots'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesPullMemoryBytesFieldEvent {
    field: '$.messages[].pull.memoryBytes'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesCreditOwnerFieldEvent {
    field: '$.messages[].credit.owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LeaseFrameMessagesCreditHeldFieldEvent {
    field: '$.messages[].credit.held'
    value: number
    index: number
  }

  export interface LeaseFrameMessagesCreditReasonFieldEvent {
    field: '$.messages[].credit.reason'
    value: string
    index: number
  }

  export interface LeaseFrameMessagesCreditUnclaimedFieldEvent {
    field: '$.messages[].credit.unclaimed'
    value: number
    index: number
  }

  export function encode (obj: Partial<LeaseFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LeaseFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaseFrame>): LeaseFrame {
    return decodeMessage(buf, LeaseFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaseFrame>): Generator<LeaseFrameVersionFieldEvent | LeaseFrameMessagesClaimTaskOwnerFieldEvent | LeaseFrameMessagesClaimTaskTaskIdFieldEvent | LeaseFrameMessagesClaimTaskReplicaFieldEvent | LeaseFrameMessagesClaimTaskEpochFieldEvent | LeaseFrameMessagesClaimWorkerFieldEvent | LeaseFrameMessagesGrantTaskOwnerFieldEvent | LeaseFrameMessagesGrantTaskTaskIdFieldEvent | LeaseFrameMessagesGrantTaskReplicaFieldEvent | LeaseFrameMessagesGrantTaskEpochFieldEvent | LeaseFrameMessagesGrantWorkerFieldEvent | LeaseFrameMessagesGrantExpiresAtFieldEvent | LeaseFrameMessagesGrantTtlMsFieldEvent | LeaseFrameMessagesGrantOfferTaskIdFieldEvent | LeaseFrameMessagesGrantOfferKindFieldEvent | LeaseFrameMessagesGrantOfferRedundancyFieldEvent | LeaseFrameMessagesGrantOfferTimeoutMsFieldEvent | LeaseFrameMessagesGrantOfferMaxAttemptsFieldEvent | LeaseFrameMessagesGrantOfferPriorityFieldEvent | LeaseFrameMessagesGrantOfferDeadlineFieldEvent | LeaseFrameMessagesGrantOfferInputFieldEvent | LeaseFrameMessagesGrantOfferInputHashFieldEvent | LeaseFrameMessagesGrantOfferInputSizeFieldEvent | LeaseFrameMessagesGrantOfferOpenReplicasFieldEvent | LeaseFrameMessagesGrantOfferSlotsFieldEvent | LeaseFrameMessagesGrantOfferMemoryBytesFieldEvent | LeaseFrameMessagesGrantOfferDeterministicFieldEvent | LeaseFrameMessagesGrantOfferModuleFieldEvent | LeaseFrameMessagesGrantOfferModuleHashFieldEvent | LeaseFrameMessagesGrantOfferModuleSizeFieldEvent | LeaseFrameMessagesRenewTaskOwnerFieldEvent | LeaseFrameMessagesRenewTaskTaskIdFieldEvent | LeaseFrameMessagesRenewTaskReplicaFieldEvent | LeaseFrameMessagesRenewTaskEpochFieldEvent | LeaseFrameMessagesRenewWorkerFieldEvent | LeaseFrameMessagesRenewProgressFieldEvent | LeaseFrameMessagesReleaseTaskOwnerFieldEvent | LeaseFrameMessagesReleaseTaskTaskIdFieldEvent | LeaseFrameMessagesReleaseTaskReplicaFieldEvent | LeaseFrameMessagesReleaseTaskEpochFieldEvent | LeaseFrameMessagesReleaseWorkerFieldEvent | LeaseFrameMessagesReleaseReasonFieldEvent | LeaseFrameMessagesResultSignedTaskOwnerFieldEvent | LeaseFrameMessagesResultSignedTaskTaskIdFieldEvent | LeaseFrameMessagesResultSignedTaskReplicaFieldEvent | LeaseFrameMessagesResultSignedTaskEpochFieldEvent | LeaseFrameMessagesResultSignedWorkerFieldEvent | LeaseFrameMessagesResultSignedStatusFieldEvent | LeaseFrameMessagesResultSignedOutputHashFieldEvent | LeaseFrameMessagesResultSignedSignatureFieldEvent | LeaseFrameMessagesResultOutputFieldEvent | LeaseFrameMessagesResultOutputSizeFieldEvent | LeaseFrameMessagesResultStderrTailFieldEvent | LeaseFrameMessagesResultExitCodeFieldEvent | LeaseFrameMessagesResultStartedAtFieldEvent | LeaseFrameMessagesResultFinishedAtFieldEvent | LeaseFrameMessagesResultErrorFieldEvent | LeaseFrameMessagesRefusalTaskOwnerFieldEvent | LeaseFrameMessagesRefusalTaskTaskIdFieldEvent | LeaseFrameMessagesRefusalTaskReplicaFieldEvent | LeaseFrameMessagesRefusalTaskEpochFieldEvent | LeaseFrameMessagesRefusalCodeFieldEvent | LeaseFrameMessagesRefusalReasonFieldEvent | LeaseFrameMessagesCancelTaskOwnerFieldEvent | LeaseFrameMessagesCancelTaskTaskIdFieldEvent | LeaseFrameMessagesCancelTaskReplicaFieldEvent | LeaseFrameMessagesCancelTaskEpochFieldEvent | LeaseFrameMessagesCancelReasonFieldEvent | LeaseFrameMessagesAckTaskOwnerFieldEvent | LeaseFrameMessagesAckTaskTaskIdFieldEvent | LeaseFrameMessagesAckTaskReplicaFieldEvent | LeaseFrameMessagesAckTaskEpochFieldEvent | LeaseFrameMessagesPullWorkerFieldEvent | LeaseFrameMessagesPullCountFieldEvent | LeaseFrameMessagesPullKindsFieldEvent | LeaseFrameMessagesPullSlotsFieldEvent | LeaseFrameMessagesPullMemoryBytesFieldEvent | LeaseFrameMessagesCreditOwnerFieldEvent | LeaseFrameMessagesCreditHeldFieldEvent | LeaseFrameMessagesCreditReasonFieldEvent | LeaseFrameMessagesCreditUnclaimedFieldEvent> {
    return streamMessage(buf, LeaseFrame.codec(), opts)
  }
}

export interface LeaseMessage {
  claim?: Claim
  grant?: Grant
  renew?: Renew
  release?: Release
  result?: Result
  refusal?: Refusal
  cancel?: CancelNotice
  ack?: ResultAck
  pull?: Pull
  credit?: Credit
}

export namespace LeaseMessage {
  let _codec: Codec<LeaseMessage>

  export const codec = (): Codec<LeaseMessage> => {
    if (_codec == null) {
      _codec = message<LeaseMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.credit != null) {
          obj.pull = undefined
          obj.ack = undefined
          obj.cancel = undefined
          obj.refusal = undefined
          obj.result = undefined
          obj.release = undefined
          obj.renew = undefined
          obj.grant = undefined
          obj.claim = undefined
        }

        if (obj.pull != null) {
          obj.credit = undefined
          obj.ack = undefined
          obj.cancel = undefined
          obj.refusal = undefined
          obj.result = undefined
          obj.release = undefined
          obj.renew = undefined
          obj.grant = undefined
          obj.claim = undefined
        }

        if (obj.ack != null) {
          obj.credit = undefined
          obj.pull = undefined
          obj.cancel = undefined
          obj.refusal = undefined
          obj.result = undefined
          obj.release = undefined
          obj.renew = undefined
          obj.grant = undefined
          obj.claim = undefined
        }

        if (obj.cancel != null) {
          obj.credit = undefined
          obj.pull = undefined
          obj.ack = undefined
          obj.refusal = undefined
          obj.result = undefined
          obj.release = undefined
          obj.renew = undefined
          obj.grant = undefined
          obj.claim = undefined
        }

        if (obj.refusal != null) {
          obj.credit = undefined
          obj.pull = undefined
          obj.ack = undefined
          obj.cancel = undefined
          obj.result = undefined
          obj.release = undefined
          obj.renew = undefined
          obj.grant = undefined
          obj.claim = undefined
        }

        if (obj.result != null) {
          obj.credit = undefined
          obj.pull = undefined
          obj.ack = undefined
          obj.cancel = undefined
          obj.refusal = undefined
          obj.release = undefined
          obj.renew = undefined
          obj.grant = undefined
          obj.claim = undefined
        }

        if (obj.release != null) {
          obj.credit = undefined
          obj.pull = undefined
          obj.ack = undefined
          obj.cancel = undefined
          obj.refusal = undefined
          obj.result = undefined
          obj.renew = undefined
          obj.grant = undefined
          obj.claim = undefined
        }

        if (obj.renew != null) {
          obj.credit = undefined
          obj.pull = undefined
          obj.ack = undefined
          obj.cancel = undefined
          obj.refusal = undefined
          obj.result = undefined
          obj.release = undefined
          obj.grant = undefined
          obj.claim = undefined
        }

        if (obj.grant != null) {
          obj.credit = undefined
          obj.pull = undefined
          obj.ack = undefined
          obj.cancel = undefined
          obj.refusal = undefined
          obj.result = undefined
          obj.release = undefined
          obj.renew = undefined
          obj.claim = undefined
        }

        if (obj.claim != null) {
          obj.credit = undefined
          obj.pull = undefined
          obj.ack = undefined
          obj.cancel = undefined
          obj.refusal = undefined
          obj.result = undefined
          obj.release = undefined
          obj.renew = undefined
          obj.grant = undefined
        }

        if (obj.claim != null) {
          w.uint32(10)
          Claim.codec().encode(obj.claim, w)
        }

        if (obj.grant != null) {
          w.uint32(18)
          Grant.codec().encode(obj.grant, w)
        }

        if (obj.renew != null) {
          w.uint32(26)
          Renew.codec().encode(obj.renew, w)
        }

        if (obj.release != null) {
          w.uint32(34)
          Release.codec().encode(obj.release, w)
        }

        if (obj.result != null) {
          w.uint32(42)
          Result.codec().encode(obj.result, w)
        }

        if (obj.refusal != null) {
          w.uint32(50)
          Refusal.codec().encode(obj.refusal, w)
        }

        if (obj.cancel != null) {
          w.uint32(58)
          CancelNotice.codec().encode(obj.cancel, w)
        }

        if (obj.ack != null) {
          w.uint32(66)
          ResultAck.codec().encode(obj.ack, w)
        }

        if (obj.pull != null) {
          w.uint32(74)
          Pull.codec().encode(obj.pull, w)
        }

        if (obj.credit != null) {
          w.uint32(82)
          Credit.codec().encode(obj.credit, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.claim = Claim.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.claim
              })
              break
            }
            case 2: {
              obj.grant = Grant.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.grant
              })
              break
            }
            case 3: {
              obj.renew = Renew.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.renew
              })
              break
            }
            case 4: {
              obj.release = Release.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.release
              })
              break
            }
            case 5: {
              obj.result = Result.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.result
              })
              break
            }
            case 6: {
              obj.refusal = Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusal
              })
              break
            }
            case 7: {
              obj.cancel = CancelNotice.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.cancel
              })
              break
            }
            case 8: {
              obj.ack = ResultAck.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ack
              })
              break
            }
            case 9: {
              obj.pull = Pull.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.pull
              })
              break
            }
            case 10: {
              obj.credit = Credit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.credit
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.credit != null) {
          delete obj.pull
          delete obj.ack
          delete obj.cancel
          delete obj.refusal
          delete obj.result
          delete obj.release
          delete obj.renew
          delete obj.grant
          delete obj.claim
        }

        if (obj.pull != null) {
          delete obj.credit
          delete obj.ack
          delete obj.cancel
          delete obj.refusal
          delete obj.result
          delete obj.release
          delete obj.renew
          delete obj.grant
          delete obj.claim
        }

        if (obj.ack != null) {
          delete obj.credit
          delete obj.pull
          delete obj.cancel
          delete obj.refusal
          delete obj.result
          delete obj.release
          delete obj.renew
          delete obj.grant
          delete obj.claim
        }

        if (obj.cancel != null) {
          delete obj.credit
          delete obj.pull
          delete obj.ack
          delete obj.refusal
          delete obj.result
          delete obj.release
          delete obj.renew
          delete obj.grant
          delete obj.claim
        }

        if (obj.refusal != null) {
          delete obj.credit
          delete obj.pull
          delete obj.ack
          delete obj.cancel
          delete obj.result
          delete obj.release
          delete obj.renew
          delete obj.grant
          delete obj.claim
        }

        if (obj.result != null) {
          delete obj.credit
          delete obj.pull
          delete obj.ack
          delete obj.cancel
          delete obj.refusal
          delete obj.release
          delete obj.renew
          delete obj.grant
          delete obj.claim
        }

        if (obj.release != null) {
          delete obj.credit
          delete obj.pull
          delete obj.ack
          delete obj.cancel
          delete obj.refusal
          delete obj.result
          delete obj.renew
          delete obj.grant
          delete obj.claim
        }

        if (obj.renew != null) {
          delete obj.credit
          delete obj.pull
          delete obj.ack
          delete obj.cancel
          delete obj.refusal
          delete obj.result
          delete obj.release
          delete obj.grant
          delete obj.claim
        }

        if (obj.grant != null) {
          delete obj.credit
          delete obj.pull
          delete obj.ack
          delete obj.cancel
          delete obj.refusal
          delete obj.result
          delete obj.release
          delete obj.renew
          delete obj.claim
        }

        if (obj.claim != null) {
          delete obj.credit
          delete obj.pull
          delete obj.ack
          delete obj.cancel
          delete obj.refusal
          delete obj.result
          delete obj.release
          delete obj.renew
          delete obj.grant
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Claim.codec().stream(reader, reader.uint32(), `${prefix}.claim`, {
                limits: opts.limits?.claim
              })

              break
            }
            case 2: {
              yield * Grant.codec().stream(reader, reader.uint32(), `${prefix}.grant`, {
                limits: opts.limits?.grant
              })

              break
            }
            case 3: {
              yield * Renew.codec().stream(reader, reader.uint32(), `${prefix}.renew`, {
                limits: opts.limits?.renew
              })

              break
            }
            case 4: {
              yield * Release.codec().stream(reader, reader.uint32(), `${prefix}.release`, {
                limits: opts.limits?.release
              })

              break
            }
            case 5: {
              yield * Result.codec().stream(reader, reader.uint32(), `${prefix}.result`, {
                limits: opts.limits?.result
              })

              break
            }
            case 6: {
              yield * Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refusal`, {
                limits: opts.limits?.refusal
              })

              break
            }
            case 7: {
              yield * CancelNotice.codec().stream(reader, reader.uint32(), `${prefix}.cancel`, {
                limits: opts.limits?.cancel
              })

              break
            }
            case 8: {
              yield * ResultAck.codec().stream(reader, reader.uint32(), `${prefix}.ack`, {
                limits: opts.limits?.ack
              })

              break
            }
            case 9: {
              yield * Pull.codec().stream(reader, reader.uint32(), `${prefix}.pull`, {
                limits: opts.limits?.pull
              })

              break
            }
            case 10: {
              yield * Credit.codec().stream(reader, reader.uint32(), `${prefix}.credit`, {
                limits: opts.limits?.credit
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LeaseMessageClaimTaskOwnerFieldEvent {
    field: '$.claim.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageClaimTaskTaskIdFieldEvent {
    field: '$.claim.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageClaimTaskReplicaFieldEvent {
    field: '$.claim.task.replica'
    value: number
  }

  export interface LeaseMessageClaimTaskEpochFieldEvent {
    field: '$.claim.task.epoch'
    value: number
  }

  export interface LeaseMessageClaimWorkerFieldEvent {
    field: '$.claim.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageGrantTaskOwnerFieldEvent {
    field: '$.grant.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageGrantTaskTaskIdFieldEvent {
    field: '$.grant.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageGrantTaskReplicaFieldEvent {
    field: '$.grant.task.replica'
    value: number
  }

  export interface LeaseMessageGrantTaskEpochFieldEvent {
    field: '$.grant.task.epoch'
    value: number
  }

  export interface LeaseMessageGrantWorkerFieldEvent {
    field: '$.grant.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageGrantExpiresAtFieldEvent {
    field: '$.grant.expiresAt'
    value: number
  }

  export interface LeaseMessageGrantTtlMsFieldEvent {
    field: '$.grant.ttlMs'
    value: number
  }

  export interface LeaseMessageGrantOfferTaskIdFieldEvent {
    field: '$.grant.offer.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageGrantOfferKindFieldEvent {
    field: '$.grant.offer.kind'
    value: string
  }

  export interface LeaseMessageGrantOfferRedundancyFieldEvent {
    field: '$.grant.offer.redundancy'
    value: number
  }

  export interface LeaseMessageGrantOfferTimeoutMsFieldEvent {
    field: '$.grant.offer.timeoutMs'
    value: number
  }

  export interface LeaseMessageGrantOfferMaxAttemptsFieldEvent {
    field: '$.grant.offer.maxAttempts'
    value: number
  }

  export interface LeaseMessageGrantOfferPriorityFieldEvent {
    field: '$.grant.offer.priority'
    value: number
  }

  export interface LeaseMessageGrantOfferDeadlineFieldEvent {
    field: '$.grant.offer.deadline'
    value: number
  }

  export interface LeaseMessageGrantOfferInputFieldEvent {
    field: '$.grant.offer.input'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageGrantOfferInputHashFieldEvent {
    field: '$.grant.offer.inputHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageGrantOfferInputSizeFieldEvent {
    field: '$.grant.offer.inputSize'
    value: number
  }

  export interface LeaseMessageGrantOfferOpenReplicasFieldEvent {
    field: '$.grant.offer.openReplicas[]'
    index: number
    value: number
  }

  export interface LeaseMessageGrantOfferSlotsFieldEvent {
    field: '$.grant.offer.slots'
    value: number
  }

  export interface LeaseMessageGrantOfferMemoryBytesFieldEvent {
    field: '$.grant.offer.memoryBytes'
    value: number
  }

  export interface LeaseMessageGrantOfferDeterministicFieldEvent {
    field: '$.grant.offer.deterministic'
    value: boolean
  }

  export interface LeaseMessageGrantOfferModuleFieldEvent {
    field: '$.grant.offer.module'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageGrantOfferModuleHashFieldEvent {
    field: '$.grant.offer.moduleHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageGrantOfferModuleSizeFieldEvent {
    field: '$.grant.offer.moduleSize'
    value: number
  }

  export interface LeaseMessageRenewTaskOwnerFieldEvent {
    field: '$.renew.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageRenewTaskTaskIdFieldEvent {
    field: '$.renew.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageRenewTaskReplicaFieldEvent {
    field: '$.renew.task.replica'
    value: number
  }

  export interface LeaseMessageRenewTaskEpochFieldEvent {
    field: '$.renew.task.epoch'
    value: number
  }

  export interface LeaseMessageRenewWorkerFieldEvent {
    field: '$.renew.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageRenewProgressFieldEvent {
    field: '$.renew.progress'
    value: number
  }

  export interface LeaseMessageReleaseTaskOwnerFieldEvent {
    field: '$.release.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageReleaseTaskTaskIdFieldEvent {
    field: '$.release.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageReleaseTaskReplicaFieldEvent {
    field: '$.release.task.replica'
    value: number
  }

  export interface LeaseMessageReleaseTaskEpochFieldEvent {
    field: '$.release.task.epoch'
    value: number
  }

  export interface LeaseMessageReleaseWorkerFieldEvent {
    field: '$.release.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageReleaseReasonFieldEvent {
    field: '$.release.reason'
    value: string
  }

  export interface LeaseMessageResultSignedTaskOwnerFieldEvent {
    field: '$.result.signed.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageResultSignedTaskTaskIdFieldEvent {
    field: '$.result.signed.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageResultSignedTaskReplicaFieldEvent {
    field: '$.result.signed.task.replica'
    value: number
  }

  export interface LeaseMessageResultSignedTaskEpochFieldEvent {
    field: '$.result.signed.task.epoch'
    value: number
  }

  export interface LeaseMessageResultSignedWorkerFieldEvent {
    field: '$.result.signed.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageResultSignedStatusFieldEvent {
    field: '$.result.signed.status'
    value: ResultStatus
  }

  export interface LeaseMessageResultSignedOutputHashFieldEvent {
    field: '$.result.signed.outputHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageResultSignedSignatureFieldEvent {
    field: '$.result.signed.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageResultOutputFieldEvent {
    field: '$.result.output'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageResultOutputSizeFieldEvent {
    field: '$.result.outputSize'
    value: number
  }

  export interface LeaseMessageResultStderrTailFieldEvent {
    field: '$.result.stderrTail'
    value: string
  }

  export interface LeaseMessageResultExitCodeFieldEvent {
    field: '$.result.exitCode'
    value: number
  }

  export interface LeaseMessageResultStartedAtFieldEvent {
    field: '$.result.startedAt'
    value: number
  }

  export interface LeaseMessageResultFinishedAtFieldEvent {
    field: '$.result.finishedAt'
    value: number
  }

  export interface LeaseMessageResultErrorFieldEvent {
    field: '$.result.error'
    value: string
  }

  export interface LeaseMessageRefusalTaskOwnerFieldEvent {
    field: '$.refusal.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageRefusalTaskTaskIdFieldEvent {
    field: '$.refusal.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageRefusalTaskReplicaFieldEvent {
    field: '$.refusal.task.replica'
    value: number
  }

  export interface LeaseMessageRefusalTaskEpochFieldEvent {
    field: '$.refusal.task.epoch'
    value: number
  }

  export interface LeaseMessageRefusalCodeFieldEvent {
    field: '$.refusal.code'
    value: RefusalCode
  }

  export interface LeaseMessageRefusalReasonFieldEvent {
    field: '$.refusal.reason'
    value: string
  }

  export interface LeaseMessageCancelTaskOwnerFieldEvent {
    field: '$.cancel.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageCancelTaskTaskIdFieldEvent {
    field: '$.cancel.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageCancelTaskReplicaFieldEvent {
    field: '$.cancel.task.replica'
    value: number
  }

  export interface LeaseMessageCancelTaskEpochFieldEvent {
    field: '$.cancel.task.epoch'
    value: number
  }

  export interface LeaseMessageCancelReasonFieldEvent {
    field: '$.cancel.reason'
    value: string
  }

  export interface LeaseMessageAckTaskOwnerFieldEvent {
    field: '$.ack.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageAckTaskTaskIdFieldEvent {
    field: '$.ack.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageAckTaskReplicaFieldEvent {
    field: '$.ack.task.replica'
    value: number
  }

  export interface LeaseMessageAckTaskEpochFieldEvent {
    field: '$.ack.task.epoch'
    value: number
  }

  export interface LeaseMessagePullWorkerFieldEvent {
    field: '$.pull.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessagePullCountFieldEvent {
    field: '$.pull.count'
    value: number
  }

  export interface LeaseMessagePullKindsFieldEvent {
    field: '$.pull.kinds[]'
    index: number
    value: string
  }

  export interface LeaseMessagePullSlotsFieldEvent {
    field: '$.pull.slots'
    value: number
  }

  export interface LeaseMessagePullMemoryBytesFieldEvent {
    field: '$.pull.memoryBytes'
    value: number
  }

  export interface LeaseMessageCreditOwnerFieldEvent {
    field: '$.credit.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaseMessageCreditHeldFieldEvent {
    field: '$.credit.held'
    value: number
  }

  export interface LeaseMessageCreditReasonFieldEvent {
    field: '$.credit.reason'
    value: string
  }

  export interface LeaseMessageCreditUnclaimedFieldEvent {
    field: '$.credit.unclaimed'
    value: number
  }

  export function encode (obj: Partial<LeaseMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LeaseMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaseMessage>): LeaseMessage {
    return decodeMessage(buf, LeaseMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaseMessage>): Generator<LeaseMessageClaimTaskOwnerFieldEvent | LeaseMessageClaimTaskTaskIdFieldEvent | LeaseMessageClaimTaskReplicaFieldEvent | LeaseMessageClaimTaskEpochFieldEvent | LeaseMessageClaimWorkerFieldEvent | LeaseMessageGrantTaskOwnerFieldEvent | LeaseMessageGrantTaskTaskIdFieldEvent | LeaseMessageGrantTaskReplicaFieldEvent | LeaseMessageGrantTaskEpochFieldEvent | LeaseMessageGrantWorkerFieldEvent | LeaseMessageGrantExpiresAtFieldEvent | LeaseMessageGrantTtlMsFieldEvent | LeaseMessageGrantOfferTaskIdFieldEvent | LeaseMessageGrantOfferKindFieldEvent | LeaseMessageGrantOfferRedundancyFieldEvent | LeaseMessageGrantOfferTimeoutMsFieldEvent | LeaseMessageGrantOfferMaxAttemptsFieldEvent | LeaseMessageGrantOfferPriorityFieldEvent | LeaseMessageGrantOfferDeadlineFieldEvent | LeaseMessageGrantOfferInputFieldEvent | LeaseMessageGrantOfferInputHashFieldEvent | LeaseMessageGrantOfferInputSizeFieldEvent | LeaseMessageGrantOfferOpenReplicasFieldEvent | LeaseMessageGrantOfferSlotsFieldEvent | LeaseMessageGrantOfferMemoryBytesFieldEvent | LeaseMessageGrantOfferDeterministicFieldEvent | LeaseMessageGrantOfferModuleFieldEvent | LeaseMessageGrantOfferModuleHashFieldEvent | LeaseMessageGrantOfferModuleSizeFieldEvent | LeaseMessageRenewTaskOwnerFieldEvent | LeaseMessageRenewTaskTaskIdFieldEvent | LeaseMessageRenewTaskReplicaFieldEvent | LeaseMessageRenewTaskEpochFieldEvent | LeaseMessageRenewWorkerFieldEvent | LeaseMessageRenewProgressFieldEvent | LeaseMessageReleaseTaskOwnerFieldEvent | LeaseMessageReleaseTaskTaskIdFieldEvent | LeaseMessageReleaseTaskReplicaFieldEvent | LeaseMessageReleaseTaskEpochFieldEvent | LeaseMessageReleaseWorkerFieldEvent | LeaseMessageReleaseReasonFieldEvent | LeaseMessageResultSignedTaskOwnerFieldEvent | LeaseMessageResultSignedTaskTaskIdFieldEvent | LeaseMessageResultSignedTaskReplicaFieldEvent | LeaseMessageResultSignedTaskEpochFieldEvent | LeaseMessageResultSignedWorkerFieldEvent | LeaseMessageResultSignedStatusFieldEvent | LeaseMessageResultSignedOutputHashFieldEvent | LeaseMessageResultSignedSignatureFieldEvent | LeaseMessageResultOutputFieldEvent | LeaseMessageResultOutputSizeFieldEvent | LeaseMessageResultStderrTailFieldEvent | LeaseMessageResultExitCodeFieldEvent | LeaseMessageResultStartedAtFieldEvent | LeaseMessageResultFinishedAtFieldEvent | LeaseMessageResultErrorFieldEvent | LeaseMessageRefusalTaskOwnerFieldEvent | LeaseMessageRefusalTaskTaskIdFieldEvent | LeaseMessageRefusalTaskReplicaFieldEvent | LeaseMessageRefusalTaskEpochFieldEvent | LeaseMessageRefusalCodeFieldEvent | LeaseMessageRefusalReasonFieldEvent | LeaseMessageCancelTaskOwnerFieldEvent | LeaseMessageCancelTaskTaskIdFieldEvent | LeaseMessageCancelTaskReplicaFieldEvent | LeaseMessageCancelTaskEpochFieldEvent | LeaseMessageCancelReasonFieldEvent | LeaseMessageAckTaskOwnerFieldEvent | LeaseMessageAckTaskTaskIdFieldEvent | LeaseMessageAckTaskReplicaFieldEvent | LeaseMessageAckTaskEpochFieldEvent | LeaseMessagePullWorkerFieldEvent | LeaseMessagePullCountFieldEvent | LeaseMessagePullKindsFieldEvent | LeaseMessagePullSlotsFieldEvent | LeaseMessagePullMemoryBytesFieldEvent | LeaseMessageCreditOwnerFieldEvent | LeaseMessageCreditHeldFieldEvent | LeaseMessageCreditReasonFieldEvent | LeaseMessageCreditUnclaimedFieldEvent> {
    return streamMessage(buf, LeaseMessage.codec(), opts)
  }
}

export interface TaskRef {
  owner: Uint8Array<ArrayBuffer>
  taskId: Uint8Array<ArrayBuffer>
  replica: number
  epoch: number
}

export namespace TaskRef {
  let _codec: Codec<TaskRef>

  export const codec = (): Codec<TaskRef> => {
    if (_codec == null) {
      _codec = message<TaskRef>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.owner)
        }

        if ((obj.taskId != null && obj.taskId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.taskId)
        }

        if ((obj.replica != null && obj.replica !== 0)) {
          w.uint32(24)
          w.uint32(obj.replica)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.epoch)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          owner: uint8ArrayAlloc(0),
          taskId: uint8ArrayAlloc(0),
          replica: 0,
          epoch: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.owner = reader.bytes()
              break
            }
            case 2: {
              obj.taskId = reader.bytes()
              break
            }
            case 3: {
              obj.replica = reader.uint32()
              break
            }
            case 4: {
              obj.epoch = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.taskId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.replica`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface TaskRefOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TaskRefTaskIdFieldEvent {
    field: '$.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TaskRefReplicaFieldEvent {
    field: '$.replica'
    value: number
  }

  export interface TaskRefEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export function encode (obj: Partial<TaskRef>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TaskRef.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskRef>): TaskRef {
    return decodeMessage(buf, TaskRef.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskRef>): Generator<TaskRefOwnerFieldEvent | TaskRefTaskIdFieldEvent | TaskRefReplicaFieldEvent | TaskRefEpochFieldEvent> {
    return streamMessage(buf, TaskRef.codec(), opts)
  }
}

export interface Pull {
  worker: Uint8Array<ArrayBuffer>
  count: number
  kinds: string[]
  slots: number
  memoryBytes: number
}

export namespace Pull {
  let _codec: Codec<Pull>

  export const codec = (): Codec<Pull> => {
    if (_codec == null) {
      _codec = message<Pull>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.worker != null && obj.worker.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.worker)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(16)
          w.uint32(obj.count)
        }

        if (obj.kinds != null && obj.kinds.length > 0) {
          for (const value of obj.kinds) {
            w.uint32(26)
            w.string(value)
          }
        }

        if ((obj.slots != null && obj.slots !== 0)) {
          w.uint32(32)
          w.uint32(obj.slots)
        }

        if ((obj.memoryBytes != null && obj.memoryBytes !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.memoryBytes)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          worker: uint8ArrayAlloc(0),
          count: 0,
          kinds: [],
          slots: 0,
          memoryBytes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.worker = reader.bytes()
              break
            }
            case 2: {
              obj.count = reader.uint32()
              break
            }
            case 3: {
              if (opts.limits?.kinds != null && obj.kinds.length === opts.limits.kinds) {
                throw new MaxLengthError('Decode error - repeated field "kinds" had too many elements')
              }

              obj.kinds.push(reader.string())
              break
            }
            case 4: {
              obj.slots = reader.uint32()
              break
            }
            case 5: {
              obj.memoryBytes = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          kinds: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.worker`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              if (opts.limits?.kinds != null && obj.kinds === opts.limits.kinds) {
                throw new MaxLengthError('Streaming decode error - repeated field "kinds" had too many elements')
              }

              yield {
                field: `${prefix}.kinds[]`,
                index: obj.kinds,
                value: reader.string()
              }

              obj.kinds++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.slots`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.memoryBytes`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PullWorkerFieldEvent {
    field: '$.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PullCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface PullKindsFieldEvent {
    field: '$.kinds[]'
    index: number
    value: string
  }

  export interface PullSlotsFieldEvent {
    field: '$.slots'
    value: number
  }

  export interface PullMemoryBytesFieldEvent {
    field: '$.memoryBytes'
    value: number
  }

  export function encode (obj: Partial<Pull>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Pull.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Pull>): Pull {
    return decodeMessage(buf, Pull.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Pull>): Generator<PullWorkerFieldEvent | PullCountFieldEvent | PullKindsFieldEvent | PullSlotsFieldEvent | PullMemoryBytesFieldEvent> {
    return streamMessage(buf, Pull.codec(), opts)
  }
}

export interface Credit {
  owner: Uint8Array<ArrayBuffer>
  held: number
  reason: string
  unclaimed: number
}

export namespace Credit {
  let _codec: Codec<Credit>

  export const codec = (): Codec<Credit> => {
    if (_codec == null) {
      _codec = message<Credit>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.owner)
        }

        if ((obj.held != null && obj.held !== 0)) {
          w.uint32(16)
          w.uint32(obj.held)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(26)
          w.string(obj.reason)
        }

        if ((obj.unclaimed != null && obj.unclaimed !== 0)) {
          w.uint32(32)
          w.uint32(obj.unclaimed)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          owner: uint8ArrayAlloc(0),
          held: 0,
          reason: '',
          unclaimed: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.owner = reader.bytes()
              break
            }
            case 2: {
              obj.held = reader.uint32()
              break
            }
            case 3: {
              obj.reason = reader.string()
              break
            }
            case 4: {
              obj.unclaimed = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.held`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.unclaimed`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CreditOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CreditHeldFieldEvent {
    field: '$.held'
    value: number
  }

  export interface CreditReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface CreditUnclaimedFieldEvent {
    field: '$.unclaimed'
    value: number
  }

  export function encode (obj: Partial<Credit>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Credit.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Credit>): Credit {
    return decodeMessage(buf, Credit.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Credit>): Generator<CreditOwnerFieldEvent | CreditHeldFieldEvent | CreditReasonFieldEvent | CreditUnclaimedFieldEvent> {
    return streamMessage(buf, Credit.codec(), opts)
  }
}

export interface Claim {
  task?: TaskRef
  worker: Uint8Array<ArrayBuffer>
}

export namespace Claim {
  let _codec: Codec<Claim>

  export const codec = (): Codec<Claim> => {
    if (_codec == null) {
      _codec = message<Claim>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.task != null) {
          w.uint32(10)
          TaskRef.codec().encode(obj.task, w)
        }

        if ((obj.worker != null && obj.worker.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.worker)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          worker: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.task = TaskRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.task
              })
              break
            }
            case 2: {
              obj.worker = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * TaskRef.codec().stream(reader, reader.uint32(), `${prefix}.task`, {
                limits: opts.limits?.task
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.worker`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ClaimTaskOwnerFieldEvent {
    field: '$.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ClaimTaskTaskIdFieldEvent {
    field: '$.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ClaimTaskReplicaFieldEvent {
    field: '$.task.replica'
    value: number
  }

  export interface ClaimTaskEpochFieldEvent {
    field: '$.task.epoch'
    value: number
  }

  export interface ClaimWorkerFieldEvent {
    field: '$.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Claim>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Claim.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Claim>): Claim {
    return decodeMessage(buf, Claim.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Claim>): Generator<ClaimTaskOwnerFieldEvent | ClaimTaskTaskIdFieldEvent | ClaimTaskReplicaFieldEvent | ClaimTaskEpochFieldEvent | ClaimWorkerFieldEvent> {
    return streamMessage(buf, Claim.codec(), opts)
  }
}

export interface Grant {
  task?: TaskRef
  worker: Uint8Array<ArrayBuffer>
  expiresAt: number
  ttlMs: number
  offer?: TaskOffer
}

export namespace Grant {
  let _codec: Codec<Grant>

  export const codec = (): Codec<Grant> => {
    if (_codec == null) {
      _codec = message<Grant>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.task != null) {
          w.uint32(10)
          TaskRef.codec().encode(obj.task, w)
        }

        if ((obj.worker != null && obj.worker.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.worker)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.expiresAt)
        }

        if ((obj.ttlMs != null && obj.ttlMs !== 0)) {
          w.uint32(32)
          w.uint32(obj.ttlMs)
        }

        if (obj.offer != null) {
          w.uint32(42)
          TaskOffer.codec().encode(obj.offer, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          worker: uint8ArrayAlloc(0),
          expiresAt: 0,
          ttlMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.task = TaskRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.task
              })
              break
            }
            case 2: {
              obj.worker = reader.bytes()
              break
            }
            case 3: {
              obj.expiresAt = reader.uint64Number()
              break
            }
            case 4: {
              obj.ttlMs = reader.uint32()
              break
            }
            case 5: {
              obj.offer = TaskOffer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.offer
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * TaskRef.codec().stream(reader, reader.uint32(), `${prefix}.task`, {
                limits: opts.limits?.task
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.worker`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ttlMs`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield * TaskOffer.codec().stream(reader, reader.uint32(), `${prefix}.offer`, {
                limits: opts.limits?.offer
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface GrantTaskOwnerFieldEvent {
    field: '$.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantTaskTaskIdFieldEvent {
    field: '$.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantTaskReplicaFieldEvent {
    field: '$.task.replica'
    value: number
  }

  export interface GrantTaskEpochFieldEvent {
    field: '$.task.epoch'
    value: number
  }

  export interface GrantWorkerFieldEvent {
    field: '$.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export interface GrantTtlMsFieldEvent {
    field: '$.ttlMs'
    value: number
  }

  export interface GrantOfferTaskIdFieldEvent {
    field: '$.offer.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantOfferKindFieldEvent {
    field: '$.offer.kind'
    value: string
  }

  export interface GrantOfferRedundancyFieldEvent {
    field: '$.offer.redundancy'
    value: number
  }

  export interface GrantOfferTimeoutMsFieldEvent {
    field: '$.offer.timeoutMs'
    value: number
  }

  export interface GrantOfferMaxAttemptsFieldEvent {
    field: '$.offer.maxAttempts'
    value: number
  }

  export interface GrantOfferPriorityFieldEvent {
    field: '$.offer.priority'
    value: number
  }

  export interface GrantOfferDeadlineFieldEvent {
    field: '$.offer.deadline'
    value: number
  }

  export interface GrantOfferInputFieldEvent {
    field: '$.offer.input'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantOfferInputHashFieldEvent {
    field: '$.offer.inputHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantOfferInputSizeFieldEvent {
    field: '$.offer.inputSize'
    value: number
  }

  export interface GrantOfferOpenReplicasFieldEvent {
    field: '$.offer.openReplicas[]'
    index: number
    value: number
  }

  export interface GrantOfferSlotsFieldEvent {
    field: '$.offer.slots'
    value: number
  }

  export interface GrantOfferMemoryBytesFieldEvent {
    field: '$.offer.memoryBytes'
    value: number
  }

  export interface GrantOfferDeterministicFieldEvent {
    field: '$.offer.deterministic'
    value: boolean
  }

  export interface GrantOfferModuleFieldEvent {
    field: '$.offer.module'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantOfferModuleHashFieldEvent {
    field: '$.offer.moduleHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantOfferModuleSizeFieldEvent {
    field: '$.offer.moduleSize'
    value: number
  }

  export function encode (obj: Partial<Grant>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Grant.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Grant>): Grant {
    return decodeMessage(buf, Grant.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Grant>): Generator<GrantTaskOwnerFieldEvent | GrantTaskTaskIdFieldEvent | GrantTaskReplicaFieldEvent | GrantTaskEpochFieldEvent | GrantWorkerFieldEvent | GrantExpiresAtFieldEvent | GrantTtlMsFieldEvent | GrantOfferTaskIdFieldEvent | GrantOfferKindFieldEvent | GrantOfferRedundancyFieldEvent | GrantOfferTimeoutMsFieldEvent | GrantOfferMaxAttemptsFieldEvent | GrantOfferPriorityFieldEvent | GrantOfferDeadlineFieldEvent | GrantOfferInputFieldEvent | GrantOfferInputHashFieldEvent | GrantOfferInputSizeFieldEvent | GrantOfferOpenReplicasFieldEvent | GrantOfferSlotsFieldEvent | GrantOfferMemoryBytesFieldEvent | GrantOfferDeterministicFieldEvent | GrantOfferModuleFieldEvent | GrantOfferModuleHashFieldEvent | GrantOfferModuleSizeFieldEvent> {
    return streamMessage(buf, Grant.codec(), opts)
  }
}

export interface Renew {
  task?: TaskRef
  worker: Uint8Array<ArrayBuffer>
  progress: number
}

export namespace Renew {
  let _codec: Codec<Renew>

  export const codec = (): Codec<Renew> => {
    if (_codec == null) {
      _codec = message<Renew>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.task != null) {
          w.uint32(10)
          TaskRef.codec().encode(obj.task, w)
        }

        if ((obj.worker != null && obj.worker.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.worker)
        }

        if ((obj.progress != null && obj.progress !== 0)) {
          w.uint32(24)
          w.uint32(obj.progress)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          worker: uint8ArrayAlloc(0),
          progress: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.task = TaskRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.task
              })
              break
            }
            case 2: {
              obj.worker = reader.bytes()
              break
            }
            case 3: {
              obj.progress = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * TaskRef.codec().stream(reader, reader.uint32(), `${prefix}.task`, {
                limits: opts.limits?.task
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.worker`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.progress`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RenewTaskOwnerFieldEvent {
    field: '$.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RenewTaskTaskIdFieldEvent {
    field: '$.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RenewTaskReplicaFieldEvent {
    field: '$.task.replica'
    value: number
  }

  export interface RenewTaskEpochFieldEvent {
    field: '$.task.epoch'
    value: number
  }

  export interface RenewWorkerFieldEvent {
    field: '$.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RenewProgressFieldEvent {
    field: '$.progress'
    value: number
  }

  export function encode (obj: Partial<Renew>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Renew.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Renew>): Renew {
    return decodeMessage(buf, Renew.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Renew>): Generator<RenewTaskOwnerFieldEvent | RenewTaskTaskIdFieldEvent | RenewTaskReplicaFieldEvent | RenewTaskEpochFieldEvent | RenewWorkerFieldEvent | RenewProgressFieldEvent> {
    return streamMessage(buf, Renew.codec(), opts)
  }
}

export interface Release {
  task?: TaskRef
  worker: Uint8Array<ArrayBuffer>
  reason: string
}

export namespace Release {
  let _codec: Codec<Release>

  export const codec = (): Codec<Release> => {
    if (_codec == null) {
      _codec = message<Release>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.task != null) {
          w.uint32(10)
          TaskRef.codec().encode(obj.task, w)
        }

        if ((obj.worker != null && obj.worker.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.worker)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(26)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          worker: uint8ArrayAlloc(0),
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.task = TaskRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.task
              })
              break
            }
            case 2: {
              obj.worker = reader.bytes()
              break
            }
            case 3: {
              obj.reason = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * TaskRef.codec().stream(reader, reader.uint32(), `${prefix}.task`, {
                limits: opts.limits?.task
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.worker`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReleaseTaskOwnerFieldEvent {
    field: '$.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReleaseTaskTaskIdFieldEvent {
    field: '$.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReleaseTaskReplicaFieldEvent {
    field: '$.task.replica'
    value: number
  }

  export interface ReleaseTaskEpochFieldEvent {
    field: '$.task.epoch'
    value: number
  }

  export interface ReleaseWorkerFieldEvent {
    field: '$.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReleaseReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<Release>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Release.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Release>): Release {
    return decodeMessage(buf, Release.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Release>): Generator<ReleaseTaskOwnerFieldEvent | ReleaseTaskTaskIdFieldEvent | ReleaseTaskReplicaFieldEvent | ReleaseTaskEpochFieldEvent | ReleaseWorkerFieldEvent | ReleaseReasonFieldEvent> {
    return streamMessage(buf, Release.codec(), opts)
  }
}

export enum ResultStatus {
  RESULT_UNSPECIFIED = 'RESULT_UNSPECIFIED',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  FAILED_PERMANENT = 'FAILED_PERMANENT'
}

enum __ResultStatusValues {
  RESULT_UNSPECIFIED = 0,
  SUCCEEDED = 1,
  FAILED = 2,
  FAILED_PERMANENT = 3
}

export namespace ResultStatus {
  export const codec = (): Codec<ResultStatus> => {
    return enumeration<ResultStatus>(__ResultStatusValues)
  }
}

export interface Result {
  signed?: SignedResult
  output: Uint8Array<ArrayBuffer>
  outputSize: number
  stderrTail: string
  exitCode: number
  startedAt: number
  finishedAt: number
  error: string
}

export namespace Result {
  let _codec: Codec<Result>

  export const codec = (): Codec<Result> => {
    if (_codec == null) {
      _codec = message<Result>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.signed != null) {
          w.uint32(10)
          SignedResult.codec().encode(obj.signed, w)
        }

        if ((obj.output != null && obj.output.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.output)
        }

        if ((obj.outputSize != null && obj.outputSize !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.outputSize)
        }

        if ((obj.stderrTail != null && obj.stderrTail !== '')) {
          w.uint32(34)
          w.string(obj.stderrTail)
        }

        if ((obj.exitCode != null && obj.exitCode !== 0)) {
          w.uint32(40)
          w.sint32(obj.exitCode)
        }

        if ((obj.startedAt != null && obj.startedAt !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.startedAt)
        }

        if ((obj.finishedAt != null && obj.finishedAt !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.finishedAt)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(66)
          w.string(obj.error)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          output: uint8ArrayAlloc(0),
          outputSize: 0,
          stderrTail: '',
          exitCode: 0,
          startedAt: 0,
          finishedAt: 0,
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.signed = SignedResult.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.signed
              })
              break
            }
            case 2: {
              obj.output = reader.bytes()
              break
            }
            case 3: {
              obj.outputSize = reader.uint64Number()
              break
            }
            case 4: {
              obj.stderrTail = reader.string()
              break
            }
            case 5: {
              obj.exitCode = reader.sint32()
              break
            }
            case 6: {
              obj.startedAt = reader.uint64Number()
              break
            }
            case 7: {
              obj.finishedAt = reader.uint64Number()
              break
            }
            case 8: {
              obj.error = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * SignedResult.codec().stream(reader, reader.uint32(), `${prefix}.signed`, {
                limits: opts.limits?.signed
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.output`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.outputSize`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.stderrTail`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.exitCode`,
                value: reader.sint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.startedAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.finishedAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ResultSignedTaskOwnerFieldEvent {
    field: '$.signed.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultSignedTaskTaskIdFieldEvent {
    field: '$.signed.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultSignedTaskReplicaFieldEvent {
    field: '$.signed.task.replica'
    value: number
  }

  export interface ResultSignedTaskEpochFieldEvent {
    field: '$.signed.task.epoch'
    value: number
  }

  export interface ResultSignedWorkerFieldEvent {
    field: '$.signed.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultSignedStatusFieldEvent {
    field: '$.signed.status'
    value: ResultStatus
  }

  export interface ResultSignedOutputHashFieldEvent {
    field: '$.signed.outputHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultSignedSignatureFieldEvent {
    field: '$.signed.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultOutputFieldEvent {
    field: '$.output'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultOutputSizeFieldEvent {
    field: '$.outputSize'
    value: number
  }

  export interface ResultStderrTailFieldEvent {
    field: '$.stderrTail'
    value: string
  }

  export interface ResultExitCodeFieldEvent {
    field: '$.exitCode'
    value: number
  }

  export interface ResultStartedAtFieldEvent {
    field: '$.startedAt'
    value: number
  }

  export interface ResultFinishedAtFieldEvent {
    field: '$.finishedAt'
    value: number
  }

  export interface ResultErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<Result>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Result.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Result>): Result {
    return decodeMessage(buf, Result.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Result>): Generator<ResultSignedTaskOwnerFieldEvent | ResultSignedTaskTaskIdFieldEvent | ResultSignedTaskReplicaFieldEvent | ResultSignedTaskEpochFieldEvent | ResultSignedWorkerFieldEvent | ResultSignedStatusFieldEvent | ResultSignedOutputHashFieldEvent | ResultSignedSignatureFieldEvent | ResultOutputFieldEvent | ResultOutputSizeFieldEvent | ResultStderrTailFieldEvent | ResultExitCodeFieldEvent | ResultStartedAtFieldEvent | ResultFinishedAtFieldEvent | ResultErrorFieldEvent> {
    return streamMessage(buf, Result.codec(), opts)
  }
}

export interface SignedResult {
  task?: TaskRef
  worker: Uint8Array<ArrayBuffer>
  status: ResultStatus
  outputHash: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedResult {
  let _codec: Codec<SignedResult>

  export const codec = (): Codec<SignedResult> => {
    if (_codec == null) {
      _codec = message<SignedResult>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.task != null) {
          w.uint32(10)
          TaskRef.codec().encode(obj.task, w)
        }

        if ((obj.worker != null && obj.worker.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.worker)
        }

        if (obj.status != null && __ResultStatusValues[obj.status] !== 0) {
          w.uint32(24)
          ResultStatus.codec().encode(obj.status, w)
        }

        if ((obj.outputHash != null && obj.outputHash.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.outputHash)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          worker: uint8ArrayAlloc(0),
          status: ResultStatus.RESULT_UNSPECIFIED,
          outputHash: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.task = TaskRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.task
              })
              break
            }
            case 2: {
              obj.worker = reader.bytes()
              break
            }
            case 3: {
              obj.status = ResultStatus.codec().decode(reader)
              break
            }
            case 4: {
              obj.outputHash = reader.bytes()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * TaskRef.codec().stream(reader, reader.uint32(), `${prefix}.task`, {
                limits: opts.limits?.task
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.worker`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.status`,
                value: ResultStatus.codec().decode(reader)
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.outputHash`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedResultTaskOwnerFieldEvent {
    field: '$.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedResultTaskTaskIdFieldEvent {
    field: '$.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedResultTaskReplicaFieldEvent {
    field: '$.task.replica'
    value: number
  }

  export interface SignedResultTaskEpochFieldEvent {
    field: '$.task.epoch'
    value: number
  }

  export interface SignedResultWorkerFieldEvent {
    field: '$.worker'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedResultStatusFieldEvent {
    field: '$.status'
    value: ResultStatus
  }

  export interface SignedResultOutputHashFieldEvent {
    field: '$.outputHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedResultSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedResult>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedResult.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedResult>): SignedResult {
    return decodeMessage(buf, SignedResult.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedResult>): Generator<SignedResultTaskOwnerFieldEvent | SignedResultTaskTaskIdFieldEvent | SignedResultTaskReplicaFieldEvent | SignedResultTaskEpochFieldEvent | SignedResultWorkerFieldEvent | SignedResultStatusFieldEvent | SignedResultOutputHashFieldEvent | SignedResultSignatureFieldEvent> {
    return streamMessage(buf, SignedResult.codec(), opts)
  }
}

export enum RefusalCode {
  REFUSAL_UNSPECIFIED = 'REFUSAL_UNSPECIFIED',
  STALE_EPOCH = 'STALE_EPOCH',
  NOT_LEASED = 'NOT_LEASED',
  UNKNOWN_TASK = 'UNKNOWN_TASK',
  NOT_ELIGIBLE = 'NOT_ELIGIBLE',
  TASK_CLOSED = 'TASK_CLOSED',
  AT_LIMIT = 'AT_LIMIT'
}

enum __RefusalCodeValues {
  REFUSAL_UNSPECIFIED = 0,
  STALE_EPOCH = 1,
  NOT_LEASED = 2,
  UNKNOWN_TASK = 3,
  NOT_ELIGIBLE = 4,
  TASK_CLOSED = 5,
  AT_LIMIT = 6
}

export namespace RefusalCode {
  export const codec = (): Codec<RefusalCode> => {
    return enumeration<RefusalCode>(__RefusalCodeValues)
  }
}

export interface Refusal {
  task?: TaskRef
  code: RefusalCode
  reason: string
}

export namespace Refusal {
  let _codec: Codec<Refusal>

  export const codec = (): Codec<Refusal> => {
    if (_codec == null) {
      _codec = message<Refusal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.task != null) {
          w.uint32(10)
          TaskRef.codec().encode(obj.task, w)
        }

        if (obj.code != null && __RefusalCodeValues[obj.code] !== 0) {
          w.uint32(16)
          RefusalCode.codec().encode(obj.code, w)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(26)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: RefusalCode.REFUSAL_UNSPECIFIED,
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.task = TaskRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.task
              })
              break
            }
            case 2: {
              obj.code = RefusalCode.codec().decode(reader)
              break
            }
            case 3: {
              obj.reason = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * TaskRef.codec().stream(reader, reader.uint32(), `${prefix}.task`, {
                limits: opts.limits?.task
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.code`,
                value: RefusalCode.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RefusalTaskOwnerFieldEvent {
    field: '$.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RefusalTaskTaskIdFieldEvent {
    field: '$.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RefusalTaskReplicaFieldEvent {
    field: '$.task.replica'
    value: number
  }

  export interface RefusalTaskEpochFieldEvent {
    field: '$.task.epoch'
    value: number
  }

  export interface RefusalCodeFieldEvent {
    field: '$.code'
    value: RefusalCode
  }

  export interface RefusalReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<Refusal>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Refusal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Refusal {
    return decodeMessage(buf, Refusal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Generator<RefusalTaskOwnerFieldEvent | RefusalTaskTaskIdFieldEvent | RefusalTaskReplicaFieldEvent | RefusalTaskEpochFieldEvent | RefusalCodeFieldEvent | RefusalReasonFieldEvent> {
    return streamMessage(buf, Refusal.codec(), opts)
  }
}

export interface ResultAck {
  task?: TaskRef
}

export namespace ResultAck {
  let _codec: Codec<ResultAck>

  export const codec = (): Codec<ResultAck> => {
    if (_codec == null) {
      _codec = message<ResultAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.task != null) {
          w.uint32(10)
          TaskRef.codec().encode(obj.task, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.task = TaskRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.task
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * TaskRef.codec().stream(reader, reader.uint32(), `${prefix}.task`, {
                limits: opts.limits?.task
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ResultAckTaskOwnerFieldEvent {
    field: '$.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultAckTaskTaskIdFieldEvent {
    field: '$.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultAckTaskReplicaFieldEvent {
    field: '$.task.replica'
    value: number
  }

  export interface ResultAckTaskEpochFieldEvent {
    field: '$.task.epoch'
    value: number
  }

  export function encode (obj: Partial<ResultAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ResultAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ResultAck>): ResultAck {
    return decodeMessage(buf, ResultAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ResultAck>): Generator<ResultAckTaskOwnerFieldEvent | ResultAckTaskTaskIdFieldEvent | ResultAckTaskReplicaFieldEvent | ResultAckTaskEpochFieldEvent> {
    return streamMessage(buf, ResultAck.codec(), opts)
  }
}

export interface CancelNotice {
  task?: TaskRef
  reason: string
}

export namespace CancelNotice {
  let _codec: Codec<CancelNotice>

  export const codec = (): Codec<CancelNotice> => {
    if (_codec == null) {
      _codec = message<CancelNotice>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.task != null) {
          w.uint32(10)
          TaskRef.codec().encode(obj.task, w)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(18)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.task = TaskRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.task
              })
              break
            }
            case 2: {
              obj.reason = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * TaskRef.codec().stream(reader, reader.uint32(), `${prefix}.task`, {
                limits: opts.limits?.task
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CancelNoticeTaskOwnerFieldEvent {
    field: '$.task.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CancelNoticeTaskTaskIdFieldEvent {
    field: '$.task.taskId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CancelNoticeTaskReplicaFieldEvent {
    field: '$.task.replica'
    value: number
  }

  export interface CancelNoticeTaskEpochFieldEvent {
    field: '$.task.epoch'
    value: number
  }

  export interface CancelNoticeReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<CancelNotice>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CancelNotice.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CancelNotice>): CancelNotice {
    return decodeMessage(buf, CancelNotice.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CancelNotice>): Generator<CancelNoticeTaskOwnerFieldEvent | CancelNoticeTaskTaskIdFieldEvent | CancelNoticeTaskReplicaFieldEvent | CancelNoticeTaskEpochFieldEvent | CancelNoticeReasonFieldEvent> {
    return streamMessage(buf, CancelNotice.codec(), opts)
  }
}

export interface BlobRequest {
  version: number
  hash: Uint8Array<ArrayBuffer>
  maxSize: number
}

export namespace BlobRequest {
  let _codec: Codec<BlobRequest>

  export const codec = (): Codec<BlobRequest> => {
    if (_codec == null) {
      _codec = message<BlobRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.hash != null && obj.hash.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.hash)
        }

        if ((obj.maxSize != null && obj.maxSize !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.maxSize)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          hash: uint8ArrayAlloc(0),
          maxSize: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.hash = reader.bytes()
              break
            }
            case 3: {
              obj.maxSize = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.hash`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.maxSize`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BlobRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface BlobRequestHashFieldEvent {
    field: '$.hash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BlobRequestMaxSizeFieldEvent {
    field: '$.maxSize'
    value: number
  }

  export function encode (obj: Partial<BlobRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BlobRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlobRequest>): BlobRequest {
    return decodeMessage(buf, BlobRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlobRequest>): Generator<BlobRequestVersionFieldEvent | BlobRequestHashFieldEvent | BlobRequestMaxSizeFieldEvent> {
    return streamMessage(buf, BlobRequest.codec(), opts)
  }
}

export enum BlobStatus {
  BLOB_UNSPECIFIED = 'BLOB_UNSPECIFIED',
  BLOB_OK = 'BLOB_OK',
  BLOB_NOT_FOUND = 'BLOB_NOT_FOUND',
  BLOB_TOO_LARGE = 'BLOB_TOO_LARGE',
  BLOB_BUSY = 'BLOB_BUSY'
}

enum __BlobStatusValues {
  BLOB_UNSPECIFIED = 0,
  BLOB_OK = 1,
  BLOB_NOT_FOUND = 2,
  BLOB_TOO_LARGE = 3,
  BLOB_BUSY = 4
}

export namespace BlobStatus {
  export const codec = (): Codec<BlobStatus> => {
    return enumeration<BlobStatus>(__BlobStatusValues)
  }
}

export interface BlobResponse {
  version: number
  status: BlobStatus
  size: number
}

export namespace BlobResponse {
  let _codec: Codec<BlobResponse>

  export const codec = (): Codec<BlobResponse> => {
    if (_codec == null) {
      _codec = message<BlobResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.status != null && __BlobStatusValues[obj.status] !== 0) {
          w.uint32(16)
          BlobStatus.codec().encode(obj.status, w)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.size)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          status: BlobStatus.BLOB_UNSPECIFIED,
          size: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.status = BlobStatus.codec().decode(reader)
              break
            }
            case 3: {
              obj.size = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.status`,
                value: BlobStatus.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BlobResponseVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface BlobResponseStatusFieldEvent {
    field: '$.status'
    value: BlobStatus
  }

  export interface BlobResponseSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export function encode (obj: Partial<BlobResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BlobResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlobResponse>): BlobResponse {
    return decodeMessage(buf, BlobResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlobResponse>): Generator<BlobResponseVersionFieldEvent | BlobResponseStatusFieldEvent | BlobResponseSizeFieldEvent> {
    return streamMessage(buf, BlobResponse.codec(), opts)
  }
}

export interface VersionPeek {
  version: number
}

export namespace VersionPeek {
  let _codec: Codec<VersionPeek>

  export const codec = (): Codec<VersionPeek> => {
    if (_codec == null) {
      _codec = message<VersionPeek>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface VersionPeekVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export function encode (obj: Partial<VersionPeek>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, VersionPeek.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VersionPeek>): VersionPeek {
    return decodeMessage(buf, VersionPeek.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VersionPeek>): Generator<VersionPeekVersionFieldEvent> {
    return streamMessage(buf, VersionPeek.codec(), opts)
  }
}

export interface DialBackRequest {
  version: number
  port: number
  relay: string
}

export namespace DialBackRequest {
  let _codec: Codec<DialBackRequest>

  export const codec = (): Codec<DialBackRequest> => {
    if (_codec == null) {
      _codec = message<DialBackRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.port != null && obj.port !== 0)) {
          w.uint32(16)
          w.uint32(obj.port)
        }

        if ((obj.relay != null && obj.relay !== '')) {
          w.uint32(26)
          w.string(obj.relay)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          port: 0,
          relay: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.port = reader.uint32()
              break
            }
            case 3: {
              obj.relay = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.port`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.relay`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DialBackRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface DialBackRequestPortFieldEvent {
    field: '$.port'
    value: number
  }

  export interface DialBackRequestRelayFieldEvent {
    field: '$.relay'
    value: string
  }

  export function encode (obj: Partial<DialBackRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DialBackRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DialBackRequest>): DialBackRequest {
    return decodeMessage(buf, DialBackRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DialBackRequest>): Generator<DialBackRequestVersionFieldEvent | DialBackRequestPortFieldEvent | DialBackRequestRelayFieldEvent> {
    return streamMessage(buf, DialBackRequest.codec(), opts)
  }
}

export enum DialBackStatus {
  DIALBACK_UNSPECIFIED = 'DIALBACK_UNSPECIFIED',
  DIALBACK_OK = 'DIALBACK_OK',
  DIALBACK_FAILED = 'DIALBACK_FAILED',
  DIALBACK_BUSY = 'DIALBACK_BUSY',
  DIALBACK_REFUSED = 'DIALBACK_REFUSED'
}

enum __DialBackStatusValues {
  DIALBACK_UNSPECIFIED = 0,
  DIALBACK_OK = 1,
  DIALBACK_FAILED = 2,
  DIALBACK_BUSY = 3,
  DIALBACK_REFUSED = 4
}

export namespace DialBackStatus {
  export const codec = (): Codec<DialBackStatus> => {
    return enumeration<DialBackStatus>(__DialBackStatusValues)
  }
}

export interface DialBackResponse {
  version: number
  status: DialBackStatus
  dialed: Uint8Array<ArrayBuffer>
}

export namespace DialBackResponse {
  let _codec: Codec<DialBackResponse>

  export const codec = (): Codec<DialBackResponse> => {
    if (_codec == null) {
      _codec = message<DialBackResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.status != null && __DialBackStatusValues[obj.status] !== 0) {
          w.uint32(16)
          DialBackStatus.codec().encode(obj.status, w)
        }

        if ((obj.dialed != null && obj.dialed.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.dialed)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          status: DialBackStatus.DIALBACK_UNSPECIFIED,
          dialed: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.status = DialBackStatus.codec().decode(reader)
              break
            }
            case 3: {
              obj.dialed = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.status`,
                value: DialBackStatus.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.dialed`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DialBackResponseVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface DialBackResponseStatusFieldEvent {
    field: '$.status'
    value: DialBackStatus
  }

  export interface DialBackResponseDialedFieldEvent {
    field: '$.dialed'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DialBackResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DialBackResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DialBackResponse>): DialBackResponse {
    return decodeMessage(buf, DialBackResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DialBackResponse>): Generator<DialBackResponseVersionFieldEvent | DialBackResponseStatusFieldEvent | DialBackResponseDialedFieldEvent> {
    return streamMessage(buf, DialBackResponse.codec(), opts)
  }
}
