/**
 * The app's only way to the server: `fetch` against the Public API under `/api`, authenticated by
 * the web session's cookie (writes carry its `X-CSRF-Token`) or by a pasted API token.
 */

/** One problem the API found, with the request field it concerns (`slug`, `settings.hooks.0.hook`). */
export interface FieldProblem {
  field?: string
  message: string
}

/** A failed Public API call, from its `{errors: [{type, code, message, field, data, status}]}` envelope. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string | undefined
  /** Every problem the API listed (`errors[0].data.errors`), or just the first error. */
  readonly problems: FieldProblem[]

  constructor(status: number, code: string, message: string, field?: string, problems?: FieldProblem[]) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
    this.problems = problems?.length ? problems : [{ ...(field !== undefined && { field }), message }]
  }
}

export type Credentials = { kind: 'session'; csrfToken: string } | { kind: 'token'; token: string }

let credentials: Credentials | undefined
const unauthorizedListeners = new Set<() => void>()

export function setCredentials(next: Credentials | undefined): void {
  credentials = next
}

export function currentCredentials(): Credentials | undefined {
  return credentials
}

/** Called when the API answers 401 to a logged-in app: the session ended or the token was revoked. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener)
  return () => unauthorizedListeners.delete(listener)
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  body?: unknown
  query?: Record<string, string | number | boolean | undefined>
  signal?: AbortSignal
  /** A 401 here answers a question (are these credentials good?) rather than ending the session. */
  probe?: boolean
}

export function apiUrl(path: string, query?: RequestOptions['query']): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {}))
    if (value !== undefined) search.set(key, String(value))
  const qs = search.toString()
  return `/api${path}${qs ? `?${qs}` : ''}`
}

export function authHeaders(method: string): Record<string, string> {
  if (credentials?.kind === 'token') return { authorization: `Bearer ${credentials.token}` }
  if (credentials?.kind === 'session' && method !== 'GET') return { 'x-csrf-token': credentials.csrfToken }
  return {}
}

/** Calls one operation and answers its `data`; throws `ApiError` for an `{errors}` answer. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET'
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(method) }
  // A JSON content type with no body is a 400, so the header goes only with a body.
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(apiUrl(path, options.query), {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    ...(options.signal && { signal: options.signal }),
  })
  const text = await response.text()
  let json: { data?: T; errors?: Array<Record<string, unknown>> } | undefined
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  if (response.ok && json && 'data' in json) return json.data as T
  const first = json?.errors?.[0] ?? {}
  const data = first.data as { errors?: FieldProblem[] } | undefined
  const error = new ApiError(
    response.status,
    typeof first.code === 'string' ? first.code : `HTTP_${response.status}`,
    typeof first.message === 'string' ? first.message : `The server answered ${response.status}`,
    typeof first.field === 'string' ? first.field : undefined,
    Array.isArray(data?.errors) ? data.errors : undefined,
  )
  if (response.status === 401 && credentials && !options.probe)
    for (const listener of unauthorizedListeners) listener()
  throw error
}

/** Every item of a list operation (up to `max`), following `pagination.next`. */
export async function listAll<T>(path: string, key: string, query: RequestOptions['query'] = {}, max = 2000) {
  const items: T[] = []
  let cursor: string | undefined
  do {
    const page = await api<Record<string, unknown> & { pagination?: { next?: string | null } }>(path, {
      query: { ...query, 'pagination[count]': 200, 'pagination[cursor]': cursor },
    })
    items.push(...((page[key] as T[] | undefined) ?? []))
    cursor = page.pagination?.next ?? undefined
  } while (cursor && items.length < max)
  return items
}

/** Maps the API's problems to form fields: `settings.hooks.0.hook` → `hooks` under prefix `settings.`. */
export function fieldErrors(error: unknown, prefix = ''): Record<string, string> {
  if (!(error instanceof ApiError)) return {}
  const out: Record<string, string> = {}
  for (const problem of error.problems) {
    if (!problem.field?.startsWith(prefix)) continue
    const key = problem.field.slice(prefix.length).split('.')[0]!
    out[key] ??= problem.message
  }
  return out
}

/** The error message for anything a call may throw. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
