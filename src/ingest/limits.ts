/** Segment's Tracking API limits. */
export const MAX_MESSAGE_BYTES = 32 * 1024
export const MAX_REQUEST_BYTES = 500 * 1024
/**
 * Deepest nesting of objects and arrays accepted in a message. Segment states none; real payloads
 * stay far below this, and later stages (flattening into warehouse columns) recurse over it.
 */
export const MAX_NESTING_DEPTH = 64
