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
  // Checked on the bytes before parsing: one tight loop, about a quarter of the cost of walking the
  // parsed value, and a hostile body is refused before it is built.
  if (nestingDepth(bytes, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH) {
    throw new UndecodableBody(`The body nests objects or arrays more than ${MAX_NESTING_DEPTH} levels deep`)
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new UndecodableBody(`The body is not valid JSON (${(e as Error).message})`)
  }
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

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_ARRAY = 0x5b
const OPEN_OBJECT = 0x7b
const CLOSE_ARRAY = 0x5d
const CLOSE_OBJECT = 0x7d

/**
 * How deep objects and arrays nest in JSON text (UTF-8 bytes), stopping once past `limit`. Brackets
 * inside strings don't count; a byte of a multi-byte UTF-8 character is never an ASCII bracket, quote
 * or backslash, so the bytes can be scanned without decoding. Invalid JSON gives some depth; the
 * parser refuses it afterwards.
 */
export function nestingDepth(json: Uint8Array, limit: number): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < json.length; i++) {
    const byte = json[i]
    if (inString) {
      if (byte === BACKSLASH) i++
      else if (byte === QUOTE) inString = false
    } else if (byte === QUOTE) {
      inString = true
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      depth++
      if (depth > deepest) {
        deepest = depth
        if (deepest > limit) return deepest
      }
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--
    }
  }
  return deepest
}
