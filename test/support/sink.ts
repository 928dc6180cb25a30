import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** A request the sink received. */
export interface SunkRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
  at: number
}

/** How the sink answers one request: a status (and headers), or `hang` to never answer. */
export type SinkAnswer = { status: number; headers?: Record<string, string>; body?: string } | 'hang'

export interface Sink {
  readonly url: string
  readonly requests: SunkRequest[]
  /** Changes how later requests are answered. */
  answerWith(answer: SinkAnswer | ((request: SunkRequest) => SinkAnswer)): void
  /** Resolves once `count` requests have arrived; throws after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<SunkRequest[]>
  close(): Promise<void>
}

/** A real HTTP server standing in for a destination: it records every request and answers as told. */
export async function startSink(initial: SinkAnswer = { status: 200 }): Promise<Sink> {
  let answer: SinkAnswer | ((request: SunkRequest) => SinkAnswer) = initial
  const requests: SunkRequest[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      }
      requests.push(request)
      const chosen = typeof answer === 'function' ? answer(request) : answer
      if (chosen === 'hang') return
      res.writeHead(chosen.status, chosen.headers ?? {}).end(chosen.body ?? '')
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answerWith(next) {
      answer = next
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`sink got ${requests.length} of ${count} requests`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return requests
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
