import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { createLogger } from './logger.ts'

test('credentials never reach a log line, whatever logs them', () => {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const logger = createLogger('info', sink)
  logger.info(
    { req: { headers: { authorization: 'Bearer sy_tok_SECRET1', cookie: 'session=SECRET2' } } },
    'request',
  )
  logger.info({
    config: { secretKey: 'SECRET3', bootstrapToken: 'SECRET4', databaseUrl: 'postgres://u:SECRET5@h/db' },
  })
  logger.info({ user: { password: 'SECRET6' }, result: { ownerTokenSecret: 'SECRET7' } })
  const all = lines.join('')
  assert.equal(lines.length, 3)
  assert.doesNotMatch(all, /SECRET\d/)
  assert.match(all, /\[redacted\]/)
})
