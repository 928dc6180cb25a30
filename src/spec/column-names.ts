/**
 * Warehouse names (warehouse spec §2.1): Segment converts event names to table names and property, trait
 * and context paths to column names with its `go-snakecase` algorithm, then makes the result a safe SQL
 * identifier. Everything here is ASCII in, ASCII out: any byte outside `[A-Za-z0-9]` is a word break.
 */

/**
 * Segment's `go-snakecase`, rule for rule:
 * - a name of lowercase letters, digits and single underscores between word characters is kept as is;
 * - any run of other characters (spaces, punctuation, repeated `_`, every non-ASCII character) separates
 *   words and becomes one `_`; leading and trailing runs disappear;
 * - an uppercase letter after a lowercase one starts a word; a run of capitals and digits is one word,
 *   and it takes the lowercase letters that follow (`CStringRef` → `cstring_ref`);
 * - digits stay with their word (`2FA Enabled` → `2fa_enabled`).
 * Non-ASCII characters are dropped, so a name made only of them gives `''`.
 */
export function snakecase(name: string): string {
  const s = name
  let idx = 0
  let hasLower = false
  let hasUnderscore = false
  let lowercaseSinceUnderscore = false

  // The longest prefix that needs no change: lowercase, digits, and `_` followed by lowercase or a digit.
  for (; idx < s.length; idx++) {
    const c = s.charCodeAt(idx)
    if (isLower(c)) {
      hasLower = true
      if (hasUnderscore) lowercaseSinceUnderscore = true
      continue
    }
    if (isDigit(c)) continue
    if (c === UNDERSCORE && idx > 0 && idx < s.length - 1) {
      const next = s.charCodeAt(idx + 1)
      if (isLower(next) || isDigit(next)) {
        hasUnderscore = true
        lowercaseSinceUnderscore = false
        continue
      }
    }
    break
  }
  if (idx === s.length) return s

  let out = s.slice(0, idx)
  // Capitals right after the kept prefix continue its last word when that word has no lowercase yet
  // (`edf_6N` → `edf_6n`, `5TEst` → `5test`).
  if (isUpper(s.charCodeAt(idx)) && (!hasLower || (hasUnderscore && !lowercaseSinceUnderscore))) {
    ;[out, idx] = appendWord(s, idx, out)
  }
  while (idx < s.length) {
    if (!isAlphanumeric(s.charCodeAt(idx))) {
      idx++
      continue
    }
    if (out.length > 0) out += '_'
    ;[out, idx] = appendWord(s, idx, out)
  }
  return out
}

/** Appends one word from `idx`: capitals and digits (lowercased), then lowercase letters and digits. */
function appendWord(s: string, idx: number, out: string): [string, number] {
  const start = idx
  while (idx < s.length && (isUpper(s.charCodeAt(idx)) || isDigit(s.charCodeAt(idx)))) idx++
  const capitals = s.slice(start, idx).toLowerCase()
  const lowerStart = idx
  while (idx < s.length && (isLower(s.charCodeAt(idx)) || isDigit(s.charCodeAt(idx)))) idx++
  return [out + capitals + s.slice(lowerStart, idx), idx]
}

const UNDERSCORE = 0x5f
const isLower = (c: number) => c >= 0x61 && c <= 0x7a
const isUpper = (c: number) => c >= 0x41 && c <= 0x5a
const isDigit = (c: number) => c >= 0x30 && c <= 0x39
const isAlphanumeric = (c: number) => isLower(c) || isUpper(c) || isDigit(c)

/**
 * Longest table or column name, in characters (names are ASCII, so also bytes). PostgreSQL cuts
 * identifiers at 63 bytes; the same limit on every warehouse keeps one schema everywhere.
 */
export const MAX_IDENTIFIER_LENGTH = 63

/**
 * Words that get a leading `_` as table or column names, on every warehouse: Amazon Redshift's reserved
 * words (what Segment escapes: a property `open` is column `_open`), plus those PostgreSQL and DuckDB
 * reserve, so that every name can be used in SQL unquoted on any of our engines. Lowercase.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  [
    // Amazon Redshift
    'aes128 aes256 all allowoverwrite analyse analyze and any array as asc authorization az64 backup',
    'between binary blanksasnull both bytedict bzip2 case cast check collate column constraint create',
    'credentials cross current_date current_time current_timestamp current_user current_user_id default',
    'deferrable deflate defrag delta delta32k desc disable distinct do else emptyasnull enable encode',
    'encrypt encryption end except explicit false for foreign freeze from full globaldict256',
    'globaldict64k grant group gzip having identity ignore ilike in initially inner intersect interval',
    'into is isnull join leading left like limit localtime localtimestamp lun luns lzo lzop minus',
    'mostly16 mostly32 mostly8 natural new not notnull null nulls off offline offset oid old on only open',
    'or order outer overlaps parallel partition percent permissions pivot placing primary raw readratio',
    'recover references rejectlog resort respect restore right select session_user similar snapshot some',
    'sysdate system table tag tdes text255 text32k then timestamp to top trailing true truncatecolumns',
    'union unique unnest unpivot user using verbose wallet when where with without',
    // PostgreSQL (reserved, and reserved except as a function or type name)
    'asymmetric collation concurrently current_catalog current_role current_schema fetch lateral',
    'returning symmetric system_user tablesample variadic window',
    // DuckDB
    'describe pivot_longer pivot_wider qualify show summarize',
  ]
    .join(' ')
    .split(' '),
)

/**
 * A snake_cased name made safe as an identifier, the same way on every warehouse: a reserved word or a
 * name starting with a digit gets a leading `_` (Segment on Redshift: `_open`, `_101_account_update`),
 * then the name is cut to `MAX_IDENTIFIER_LENGTH` without a trailing `_`. `''` stays `''`.
 */
export function safeIdentifier(snaked: string): string {
  if (snaked === '') return ''
  const first = snaked.charCodeAt(0)
  let name = RESERVED_WORDS.has(snaked) || isDigit(first) ? `_${snaked}` : snaked
  if (name.length > MAX_IDENTIFIER_LENGTH) name = name.slice(0, MAX_IDENTIFIER_LENGTH).replace(/_+$/, '')
  return name
}

/**
 * The column for a property, trait or context path (already joined with `_`): `accountType` →
 * `account_type`, `open` → `_open`. `undefined` when nothing is left (a name of only non-ASCII
 * characters or punctuation): such a value has no column.
 */
export function columnName(name: string): string | undefined {
  return safeIdentifier(snakecase(name)) || undefined
}

/**
 * The table for an event name: `Signed Up` → `signed_up`, `101 Account Update` → `_101_account_update`.
 * `undefined` when nothing is left, as for `columnName`.
 */
export function tableName(name: string): string | undefined {
  return safeIdentifier(snakecase(name)) || undefined
}
