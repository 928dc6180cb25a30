import { gunzipSync, inflateSync } from 'node:zlib'
import { MAX_NESTING_DEPTH, MAX_REQUEST_BYTES } from './limits.ts'

/** Why a body couldn't be decoded, phrased for the client. */
export class UndecodableBody extends Error {
  constructor(
    message: string,
    /** True when the decoded body is over the request limit (answered as `request_too_large`). */
    readonly tooLarge = false,
  ) {
    super(message)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Turns a raw request body into JSON, whatever the Content-Type (analytics.js sends `text/plain`):
 * inflates `gzip`/`deflate` with the output capped at the request limit (so a small bomb can't
 * expand), decodes strict UTF-8, parses, and refuses nesting deeper than `MAX_NESTING_DEPTH`.
 */
export function decodeBody(raw: Buffer, contentEncoding: string | undefined): unknown {
  const bytes = inflate(raw, contentEncoding?.trim().toLowerCase())
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new UndecodableBody('The body is not valid UTF-8')
  }
  if (text.trim() === '') throw new UndecodableBody('The body is empty; send a JSON object')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new UndecodableBody(`The body is not valid JSON (${(e as Error).message})`)
  }
  const depth = nestingDepth(value, MAX_NESTING_DEPTH)
  if (depth > MAX_NESTING_DEPTH) {
    throw new UndecodableBody(`The body nests objects or arrays more than ${MAX_NESTING_DEPTH} levels deep`)
  }
  return value
}

function inflate(raw: Buffer, encoding: string | undefined): Buffer {
  if (encoding === undefined || encoding === '' || encoding === 'identity') return raw
  const options = { maxOutputLength: MAX_REQUEST_BYTES }
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(raw, options)
    if (encoding === 'deflate') return inflateSync(raw, options)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new UndecodableBody(`The decompressed body is larger than ${MAX_REQUEST_BYTES / 1024} KB`, true)
    }
    throw new UndecodableBody(`The body is not valid ${encoding} data`)
  }
  throw new UndecodableBody(`Content-Encoding ${encoding} is not supported; send identity, gzip or deflate`)
}

/** Nesting depth of a JSON value, iteratively (no recursion), stopping once past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (typeof node !== 'object' || node === null) continue
    const here = depth + 1
    if (here > deepest) deepest = here
    if (deepest > limit) return deepest
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, here])
    }
  }
  return deepest
}
