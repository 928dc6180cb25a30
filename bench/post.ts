import { request, type Agent } from 'node:http'

/** POSTs `body` through `agent` (keep-alive) and resolves with the status once the answer is read. */
export function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  agent: Agent,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}
