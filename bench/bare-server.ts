/**
 * The ingest benchmark's baseline: a bare Fastify server that reads every body as JSON (whatever
 * the Content-Type, as the Tracking API does) and answers 200. Prints its URL on stdout.
 */
import Fastify from 'fastify'

const app = Fastify({ bodyLimit: 1024 * 1024 })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
  try {
    done(null, JSON.parse(body as string))
  } catch (e) {
    done(e as Error)
  }
})
app.post('/v1/:call', async () => ({ success: true }))
await app.listen({ host: '127.0.0.1', port: 0 })
console.log(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`)
