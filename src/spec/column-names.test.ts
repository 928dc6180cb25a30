import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  MAX_IDENTIFIER_LENGTH,
  RESERVED_WORDS,
  columnName,
  safeIdentifier,
  snakecase,
  tableName,
} from './column-names.ts'

// Warehouse spec §2.1 (snake_case): the golden cases, and the rest of go-snakecase's own test table.
const snakecaseCases: [string, string][] = [
  // §2.1 examples
  ['sampleText', 'sample_text'],
  ['sample-text', 'sample_text'],
  ['sample___text', 'sample_text'],
  ['SAMPLE 2 TEXT', 'sample_2_text'],
  ['CStringRef', 'cstring_ref'],
  ['___$$Base64Encode', 'base64_encode'],
  ['something.com', 'something_com'],
  ['$something%', 'something'],
  ['2FA Enabled', '2fa_enabled'],
  ['f_pX9', 'f_p_x9'],
  ['•¶§ƒ˚foo˙∆˚¬', 'foo'],
  ['accountType', 'account_type'],
  ['Signed Up', 'signed_up'],
  // go-snakecase's test table
  ['@49L0S145_¬fwHƒ0TSLNVp', '49l0s145_fw_h_0tslnvp'],
  ['lk0B@bFmjrLQ_Z6YL', 'lk0_b_b_fmjr_lq_z6yl'],
  ['samPLE text', 'sam_ple_text'],
  ['sample text', 'sample_text'],
  ['sample_text', 'sample_text'],
  ['inviteYourCustomersAddInvites', 'invite_your_customers_add_invites'],
  ['sample 2 Text', 'sample_2_text'],
  ['   sample   2    Text   ', 'sample_2_text'],
  ['   $#$sample   2    Text   ', 'sample_2_text'],
  ['FOO:BAR$BAZ', 'foo_bar_baz'],
  ['FOO#BAR#BAZ', 'foo_bar_baz'],
  ['5test', '5test'],
  ['test5', 'test5'],
  ['THE5r', 'the5r'],
  ['5TEst', '5test'],
  ['_5TEst', '5test'],
  ['@%#&5TEst', '5test'],
  ['edf_6N', 'edf_6n'],
  ['p_z9Rg', 'p_z9_rg'],
  ['Enabled 2FA', 'enabled_2fa'],
  // edges: separators at the ends, non-ASCII letters, empty results
  ['user_id', 'user_id'],
  ['_leading', 'leading'],
  ['trailing_', 'trailing'],
  ['Order Completed', 'order_completed'],
  ['Product Clicked (v2)', 'product_clicked_v2'],
  ['userID', 'user_id'],
  ['HTMLParser', 'htmlparser'],
  ['Café Ordered', 'caf_ordered'],
  ['context.field.nestedA.nestedB', 'context_field_nested_a_nested_b'],
  ['日本語', ''],
  ['!!!', ''],
  ['', ''],
]

describe('snakecase', () => {
  for (const [input, expected] of snakecaseCases) {
    test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(snakecase(input), expected)
    })
  }
})

// Warehouse spec §2.1 (reserved words and illegal identifiers): `_` before reserved words and leading
// digits, the same on every warehouse; names cut to MAX_IDENTIFIER_LENGTH.
const identifierCases: [string, string][] = [
  ['open', '_open'],
  ['user', '_user'],
  ['order', '_order'],
  ['timestamp', '_timestamp'],
  ['window', '_window'],
  ['qualify', '_qualify'],
  ['101_account_update', '_101_account_update'],
  ['2fa_enabled', '_2fa_enabled'],
  ['opened', 'opened'],
  ['user_name', 'user_name'],
  ['signed_up', 'signed_up'],
  ['', ''],
  ['a'.repeat(70), 'a'.repeat(MAX_IDENTIFIER_LENGTH)],
  [`${'a'.repeat(62)}_b`, 'a'.repeat(62)],
  [`9${'a'.repeat(70)}`, `_9${'a'.repeat(MAX_IDENTIFIER_LENGTH - 2)}`],
]

describe('safeIdentifier', () => {
  for (const [input, expected] of identifierCases) {
    test(`${JSON.stringify(input.slice(0, 20))}… → ${JSON.stringify(expected.slice(0, 20))}…`, () => {
      assert.equal(safeIdentifier(input), expected)
    })
  }
})

// Warehouse spec §2.1: event names → tables, property names → columns.
const nameCases: [string, string | undefined][] = [
  ['Signed Up', 'signed_up'],
  ['101 Account Update', '_101_account_update'],
  ['Open', '_open'],
  ['accountType', 'account_type'],
  ['2FA Enabled', '_2fa_enabled'],
  ['$$$', undefined],
  ['日本語', undefined],
  ['', undefined],
]

describe('tableName and columnName', () => {
  for (const [input, expected] of nameCases) {
    test(`${JSON.stringify(input)} → ${String(expected)}`, () => {
      assert.equal(tableName(input), expected)
      assert.equal(columnName(input), expected)
    })
  }
})

test('reserved words are lowercase single words, and names are never longer than the limit', () => {
  for (const word of RESERVED_WORDS) assert.match(word, /^[a-z][a-z0-9_]*$/)
  assert.ok(RESERVED_WORDS.has('open') && RESERVED_WORDS.has('select'))
  for (const [input] of snakecaseCases) {
    const name = columnName(input.repeat(10))
    assert.ok(name === undefined || name.length <= MAX_IDENTIFIER_LENGTH, String(name))
    assert.ok(name === undefined || /^[a-z0-9_]+$/.test(name), String(name))
  }
})

test('snake_casing a prefix and a path gives the same as snake_casing them joined', () => {
  for (const [input] of snakecaseCases) {
    const tail = snakecase(input)
    if (tail === '') continue
    assert.equal(snakecase(`context_${input}`), `context_${tail}`, input)
  }
})
