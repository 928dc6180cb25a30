import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSwitchyardError } from '../errors/index.ts'
import { paginationOutput, readPagination } from './pagination.ts'

const reads: [query: Record<string, unknown>, expected: { offset: number; count: number }][] = [
  [{}, { offset: 0, count: 200 }],
  [{ 'pagination[count]': '10' }, { offset: 0, count: 10 }],
  [
    { 'pagination[count]': '10', 'pagination[cursor]': 'MjA=' },
    { offset: 20, count: 10 },
  ],
  [
    { 'pagination.count': '3', 'pagination.cursor': 'Mw==' },
    { offset: 3, count: 3 },
  ],
  [{ pagination: { count: 1000, cursor: 'MA==' } }, { offset: 0, count: 1000 }],
  [{ 'pagination[cursor]': '' }, { offset: 0, count: 200 }],
]
for (const [query, expected] of reads) {
  test(`reads ${JSON.stringify(query)}`, () => assert.deepEqual(readPagination(query), expected))
}

const rejects: [query: Record<string, unknown>, field: string][] = [
  [{ 'pagination[count]': '0' }, 'pagination.count'],
  [{ 'pagination[count]': '1001' }, 'pagination.count'],
  [{ 'pagination[count]': '2.5' }, 'pagination.count'],
  [{ 'pagination[count]': '-1' }, 'pagination.count'],
  [{ 'pagination[cursor]': 'not base64 of a number' }, 'pagination.cursor'],
  [{ 'pagination[cursor]': Buffer.from('-5').toString('base64') }, 'pagination.cursor'],
  [{ 'pagination[cursor]': 'MA' }, 'pagination.cursor'], // unpadded: not a cursor we issued
]
for (const [query, field] of rejects) {
  test(`rejects ${JSON.stringify(query)} naming ${field}`, () =>
    assert.throws(
      () => readPagination(query),
      (e: unknown) => isSwitchyardError(e) && e.code === 'SY_API_VALIDATION' && e.field === field,
    ))
}

const outputs: [page: { offset: number; count: number }, total: number, expected: object][] = [
  [{ offset: 0, count: 2 }, 5, { current: 'MA==', next: 'Mg==', totalEntries: 5 }],
  [{ offset: 2, count: 2 }, 5, { current: 'Mg==', next: 'NA==', previous: 'MA==', totalEntries: 5 }],
  [{ offset: 4, count: 2 }, 5, { current: 'NA==', previous: 'Mg==', totalEntries: 5 }],
  [{ offset: 1, count: 2 }, 5, { current: 'MQ==', next: 'Mw==', previous: 'MA==', totalEntries: 5 }],
  [{ offset: 0, count: 200 }, 0, { current: 'MA==', totalEntries: 0 }],
]
for (const [page, total, expected] of outputs) {
  test(`pagination output at ${JSON.stringify(page)} of ${total}`, () =>
    assert.deepEqual(paginationOutput(page, total), expected))
}
