/**
 * The pipeline benchmark's destination: answers every request 200 at once and notes when each
 * message arrived (by `messageId`, in epoch ms with sub-ms precision). Prints its URL on stdout; on
 * the IPC message `report` it sends back `[messageId, receivedAt][]` and forgets them.
 */
import { createServer } from 'node:http'

let received: [string, number][] = []
const now = () => performance.timeOrigin + performance.now()
const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const at = now()
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as
      { messageId: string } | { messageId: string }[]
    for (const message of Array.isArray(body) ? body : [body]) received.push([message.messageId, at])
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${(server.address() as { port: number }).port}`)
})
process.on('message', (message) => {
  if (message === 'report') {
    process.send!(received)
    received = []
  }
})
