/**
 * Every error Switchyard reports carries one of these stable codes. A code is never reused for
 * another meaning; retired codes stay listed as retired. `docs/errors.md` documents exactly this
 * list (a test keeps the two in step).
 *
 * `type` is the Segment Public API error type written into `{"errors":[{"type": …}]}`.
 */
export interface ErrorCodeSpec {
  readonly status: number
  readonly type: string
  readonly summary: string
}

export const ERROR_CODES = {
  // configuration (raised at start, before any port opens)
  SY_CONFIG_INVALID: { status: 500, type: 'config', summary: 'A setting has a value that is not allowed.' },

  // Public API
  SY_API_AUTH_MISSING: {
    status: 401,
    type: 'unauthorized',
    summary: 'The request has no `Authorization: Bearer <token>` header.',
  },
  SY_API_AUTH_INVALID: {
    status: 401,
    type: 'unauthorized',
    summary: 'The bearer token is unknown or has been revoked.',
  },
  SY_API_FORBIDDEN: {
    status: 403,
    type: 'forbidden',
    summary: "The token or user is valid but its role doesn't grant this operation.",
  },
  SY_API_VALIDATION: {
    status: 400,
    type: 'input-validation',
    summary: 'A field of the request is missing or breaks a rule; `field` names it.',
  },
  SY_RESOURCE_NOT_FOUND: {
    status: 404,
    type: 'not-found',
    summary: 'The resource named in the path (or a field) does not exist in this workspace.',
  },
  SY_RESOURCE_INVALID: {
    status: 400,
    type: 'input-validation',
    summary:
      'The change breaks a rule of the model (one value per label key, at least one write key, …); `field` names it.',
  },
  SY_API_ROUTE_NOT_FOUND: {
    status: 404,
    type: 'not-found',
    summary: 'No Public API operation has this method and path.',
  },
  SY_RESOURCE_CONFLICT: {
    status: 409,
    type: 'conflict',
    summary: 'The change would break a uniqueness rule, such as a duplicate slug.',
  },
  SY_RESOURCE_WRONG_STATE: {
    status: 409,
    type: 'conflict',
    summary:
      "The resource's state doesn't allow the operation, such as cancelling a replay that has finished.",
  },
  SY_API_NOT_ACCEPTABLE: {
    status: 406,
    type: 'not-acceptable',
    summary: 'The `Accept` header asks for a media type or API version Switchyard does not serve.',
  },
  SY_API_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: 'unsupported-media-type',
    summary: 'The request body is not JSON; send `Content-Type: application/json`.',
  },
  SY_API_PAYLOAD_TOO_LARGE: {
    status: 413,
    type: 'payload-too-large',
    summary: 'The request body is larger than the Public API accepts.',
  },
  SY_API_RATE_LIMITED: {
    status: 429,
    type: 'too-many-requests',
    summary: 'The token (or address) sent more requests than its per-minute limit; see `Retry-After`.',
  },
  SY_API_SESSION_INVALID: {
    status: 401,
    type: 'unauthorized',
    summary:
      'The session cookie belongs to no live session (logged out, expired, idle too long, or the user left the workspace); log in again.',
  },
  SY_API_CSRF_INVALID: {
    status: 403,
    type: 'forbidden',
    summary:
      'A state-changing request authenticated by the session cookie lacks a valid `X-CSRF-Token` header for that session.',
  },
  SY_API_LOGIN_FAILED: {
    status: 401,
    type: 'unauthorized',
    summary: 'The email or password is wrong (the same answer whether or not the email has an account).',
  },
  SY_API_LOGIN_THROTTLED: {
    status: 429,
    type: 'too-many-requests',
    summary:
      'Too many failed logins in a row for this account or from this address; wait for `Retry-After` seconds.',
  },
  SY_API_INTERNAL: {
    status: 500,
    type: 'server-error',
    summary: 'An unexpected failure inside Switchyard; the log line with the same request id has details.',
  },
  SY_API_UNAVAILABLE: {
    status: 503,
    type: 'unavailable',
    summary:
      'The operation needs a part this process does not run (the work queues of the event stream); call a process with the worker or ingest role.',
  },
  SY_API_TEST_ERROR: {
    status: 400,
    type: 'test-error',
    summary: 'Raised on purpose by `GET /echo?triggerError=true` so clients can test their error handling.',
  },

  // Tracking API (ingest port). `type` is Segment's discard reason.
  SY_INGEST_UNKNOWN_SOURCE: {
    status: 401,
    type: 'unknown_source',
    summary: 'No write key was sent (Basic auth user name or `writeKey` in the body), or no source has it.',
  },
  SY_INGEST_SOURCE_DISABLED: {
    status: 403,
    type: 'source_disabled',
    summary: 'The source of this write key is disabled; enable it to accept data again.',
  },
  SY_INGEST_BAD_REQUEST: {
    status: 400,
    type: 'bad_request',
    summary: 'The body could not be decoded: not JSON, not UTF-8, nested too deeply, or a bad pixel `data`.',
  },
  SY_INGEST_INVALID_MESSAGE: {
    status: 400,
    type: 'invalid_message',
    summary:
      "A message breaks one of Segment's rules; `reason` is Segment's code (`no_user_anon_id`, …) and `field` the field.",
  },
  SY_INGEST_EMPTY_BATCH: {
    status: 400,
    type: 'empty_batch',
    summary: 'A batch request holds no messages, or none of them was valid (`rejected` lists why).',
  },
  SY_INGEST_MESSAGE_TOO_LARGE: {
    status: 400,
    type: 'message_too_large',
    summary: 'One message is larger than 32 KB of JSON.',
  },
  SY_INGEST_REQUEST_TOO_LARGE: {
    status: 400,
    type: 'request_too_large',
    summary: 'The request body is larger than 500 KB.',
  },
  SY_INGEST_OVERLOADED: {
    status: 503,
    type: 'too_many_requests',
    summary:
      'The event stream is over its backlog or disk limit; clients retry after `Retry-After` and nothing is lost.',
  },

  SY_STREAM_UNAVAILABLE: {
    status: 503,
    type: 'unavailable',
    summary:
      'The event stream is closed (the process is shutting down) or its server cannot be reached; nothing was accepted, and the client retries later.',
  },

  // HTTP servers in general (outside the Public API)
  SY_HTTP_BAD_REQUEST: {
    status: 400,
    type: 'bad-request',
    summary: 'The request could not be read (malformed body, wrong content type, too large).',
  },
  SY_HTTP_NOT_FOUND: { status: 404, type: 'not-found', summary: 'Nothing is served at this path.' },
  SY_HTTP_INTERNAL: {
    status: 500,
    type: 'server-error',
    summary: 'An unexpected failure; the log line with the same request id has details.',
  },
  SY_HTTP_NOT_READY: {
    status: 503,
    type: 'unavailable',
    summary: 'The server is starting, shutting down, or cannot reach its storage.',
  },
} as const satisfies Record<string, ErrorCodeSpec>

export type ErrorCode = keyof typeof ERROR_CODES
