/**
 * Nested objects and arrays (warehouse spec §2.4): objects are flattened, their keys joined with `_`
 * (`{address: {street}}` → `address_street`); arrays, whatever they hold, are stored as JSON text
 * (`["507f1","505bd"]`). The joined path is snake_cased as a whole.
 */
import { snakecase, type JsonObject } from '../../spec/index.ts'
import type { WarehouseValue } from './types.ts'

/** One leaf of a flattened object: its snake_cased path (not yet made a safe identifier) and value. */
export interface FlatField {
  name: string
  value: WarehouseValue
}

/**
 * The leaves of `object` in key order, depth first. Nulls, non-finite numbers and empty objects give no
 * field; a path that snake_cases to nothing (only non-ASCII characters or punctuation) is left out.
 * Two paths can give the same name (`userName` and `user_name`): both are returned, and the caller keeps
 * the first.
 */
export function flatten(object: JsonObject): FlatField[] {
  const fields: FlatField[] = []
  walk(object, '', fields)
  return fields
}

function walk(object: JsonObject, prefix: string, fields: FlatField[]): void {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix === '' ? key : `${prefix}_${key}`
    if (isObject(value)) {
      walk(value, path, fields)
      continue
    }
    const leaf = leafValue(value)
    if (leaf === undefined) continue
    const name = snakedPath(path)
    if (name !== '') fields.push({ name, value: leaf })
  }
}

/**
 * A key path as `flattenInto` knows it: the path joined with `_`, its snake_cased name, what callers
 * derive from that name (their column), and the paths below it. Built once per distinct path.
 */
export interface PathNode {
  /** The snake_cased path (`''`: the path gives no column). */
  readonly name: string
  /** The caller's column for `name` (see `flattenInto`). */
  column: string | undefined
  readonly path: string
  children: Map<string, PathNode> | undefined
}

/** A tree of key paths, bounded: past `maxNodes` paths it starts again (names are made again as needed). */
export class PathTree {
  #root: PathNode = PathTree.#node('')
  #nodes = 0

  constructor(
    /** The column for a snake_cased name, `undefined` for none (reserved, empty). */
    private readonly column: (name: string) => string | undefined,
    private readonly maxNodes = 10_000,
  ) {}

  get root(): PathNode {
    return this.#root
  }

  child(parent: PathNode, key: string): PathNode {
    let node = parent.children?.get(key)
    if (node === undefined) {
      // Past the bound the tree starts again; a walk under way goes on below its old, detached nodes.
      if (this.#nodes >= this.maxNodes) this.#reset()
      node = PathTree.#node(parent.path === '' ? key : `${parent.path}_${key}`)
      node.column = node.name === '' ? undefined : this.column(node.name)
      ;(parent.children ??= new Map()).set(key, node)
      this.#nodes++
    }
    return node
  }

  #reset(): void {
    this.#root = PathTree.#node('')
    this.#nodes = 0
  }

  static #node(path: string): PathNode {
    return { name: path === '' ? '' : snakecase(path), column: undefined, path, children: undefined }
  }
}

/**
 * `flatten`, straight into `sink`: each leaf of `object` with the column `tree` gives its path (leaves
 * whose path has no column are skipped), in `flatten`'s order, without joining and snake_casing the
 * paths again.
 */
export function flattenInto(object: JsonObject, tree: PathTree, sink: ValueSink): void {
  walkInto(object, tree.root, tree, sink)
}

/** Takes a column's value (`RowSink`). */
export interface ValueSink {
  put(column: string, value: WarehouseValue): void
}

function walkInto(object: JsonObject, node: PathNode, tree: PathTree, sink: ValueSink): void {
  for (const key in object) {
    // `object[key]` would read the prototype for an own `__proto__` key.
    const value = key === '__proto__' ? Object.getOwnPropertyDescriptor(object, key)?.value : object[key]
    const child = tree.child(node, key)
    if (isObject(value)) {
      walkInto(value, child, tree, sink)
      continue
    }
    const column = child.column
    if (column === undefined) continue
    const leaf = leafValue(value)
    if (leaf !== undefined) sink.put(column, leaf)
  }
}

function leafValue(value: unknown): WarehouseValue | undefined {
  if (Array.isArray(value)) return JSON.stringify(value)
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  return undefined
}

/** A JSON object (messages come from JSON, so anything object-like that is not an array is one). */
export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Paths repeat from message to message: their snake_cased names are kept (up to a bound). */
const SNAKED = new Map<string, string>()
const MAX_SNAKED = 10_000

function snakedPath(path: string): string {
  let name = SNAKED.get(path)
  if (name === undefined) {
    if (SNAKED.size >= MAX_SNAKED) SNAKED.clear()
    SNAKED.set(path, (name = snakecase(path)))
  }
  return name
}
