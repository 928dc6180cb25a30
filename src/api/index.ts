export { publicApi, type PublicApiOptions } from './plugin.ts'
export { readPagination, paginationOutput, MAX_PAGE_COUNT, DEFAULT_PAGE_COUNT } from './pagination.ts'
export { negotiateVersion, type ApiVersion } from './versioning.ts'
export { RateLimiter, type RateLimitVerdict } from './rate-limit.ts'
export {
  isGranted,
  isGrantedOn,
  tokenPrincipal,
  userPrincipal,
  type Grant,
  type Principal,
  type Permission,
} from './principal.ts'
export { ROLES, findRole, type Role } from './roles.ts'
export { AuditRetention, type AuditRetentionOptions } from './audit-retention.ts'
export { AuditForwarder, auditTrack, type AuditForwarderOptions } from './audit-forwarding.ts'
export { openApiDocument, type RegisteredRoute } from './openapi.ts'
export { checkPassword, MIN_PASSWORD_LENGTH } from './password-policy.ts'
export { DEFAULT_WEB_SESSIONS, SESSION_COOKIE, CSRF_HEADER, type WebSessionOptions } from './sessions.ts'
