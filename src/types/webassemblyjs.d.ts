// The part of @webassemblyjs/wasm-parser's AST that src/tasks/exec/wasm.ts reads (the package
// ships no types).
declare module '@webassemblyjs/wasm-parser' {
  export interface Limit { type: 'Limit', min: number, max?: number, shared?: boolean }
  export interface ModuleField {
    type: string
    /** Memory fields. */
    limits?: Limit
    /** ModuleImport: what is imported. */
    module?: string
    name?: string
    descr?: { type: string, limits?: Limit, exportType?: string }
  }
  export interface Program { body: Array<{ type: string, fields: ModuleField[] }> }
  export function decode (bytes: ArrayBuffer | Uint8Array, options?: {
    ignoreCodeSection?: boolean
    ignoreDataSection?: boolean
    ignoreCustomNameSection?: boolean
  }): Program
}
