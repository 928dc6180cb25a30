import { randomBytes } from 'node:crypto'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** `length` characters drawn uniformly from the base62 alphabet (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62]
      if (out.length === length) break
    }
  }
  return out
}

function base62Fixed(n: number, width: number): string {
  let out = ''
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out
    n = Math.floor(n / 62)
  }
  return out
}

let last = { time: -1, random: '' }

/** The base62 string one greater than `text` (same length; wraps to zeros past the largest). */
function incrementBase62(text: string): string {
  const digits = [...text]
  for (let i = digits.length - 1; i >= 0; i--) {
    const next = BASE62.indexOf(digits[i]!) + 1
    if (next < 62) {
      digits[i] = BASE62[next]!
      return digits.join('')
    }
    digits[i] = '0'
  }
  return digits.join('')
}

/**
 * A 22-character resource id, like Segment's: 7 characters of millisecond time then 15 random ones
 * (89 bits), so ids sort in creation order and listing needs no sequence column. Within one
 * millisecond of one process the random part counts up from the previous id's (as ULIDs do), so
 * ids made in the same request still sort in the order they were made.
 */
export function newId(now: number = Date.now()): string {
  const random = now === last.time ? incrementBase62(last.random) : randomBase62(15)
  last = { time: now, random }
  return base62Fixed(now, 7) + random
}

/** A source write key: 32 base62 characters. Write keys are public (they ship in web pages). */
export const newWriteKey = (): string => randomBase62(32)
