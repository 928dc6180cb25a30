import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSwitchyardError } from '../errors/index.ts'
import { keysetPaginationOutput, readKeysetPagination } from './pagination.ts'

test('keyset pages: the first page, then the cursor of the last item seen', () => {
  const first = readKeysetPagination({ 'pagination[count]': '2' })
  assert.deepEqual(first, { count: 2, after: undefined })
  const out = keysetPaginationOutput(first, 41, 2)
  assert.equal(out.previous, null)
  assert.equal(typeof out.next, 'string')
  assert.deepEqual(readKeysetPagination({ 'pagination[count]': '2', 'pagination[cursor]': out.next }), {
    count: 2,
    after: 41,
  })
  assert.deepEqual(readKeysetPagination({ pagination: { cursor: out.current } }), {
    count: 200,
    after: undefined,
  })
  assert.equal(keysetPaginationOutput(first, 41, 1).next, null, 'a page that is not full is the last')
})

for (const cursor of ['MA==', Buffer.from('key:-1').toString('base64'), 'not a cursor']) {
  test(`keyset pages refuse the cursor ${cursor}`, () =>
    assert.throws(
      () => readKeysetPagination({ 'pagination.cursor': cursor }),
      (e: unknown) => isSwitchyardError(e) && e.field === 'pagination.cursor',
    ))
}
