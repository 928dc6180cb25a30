import assert from 'node:assert/strict'
import { test } from 'node:test'
import { trackingPathTarget } from './messages.ts'

test('tracking paths: full names, analytics.js short paths and the batch aliases', () => {
  const cases: [string, string | undefined][] = [
    ['track', 'track'],
    ['t', 'track'],
    ['i', 'identify'],
    ['p', 'page'],
    ['s', 'screen'],
    ['g', 'group'],
    ['a', 'alias'],
    ['b', 'batch'],
    ['batch', 'batch'],
    ['import', 'batch'],
    ['x', undefined],
    ['constructor', undefined],
    ['', undefined],
  ]
  for (const [segment, target] of cases) assert.equal(trackingPathTarget(segment), target, segment)
})
