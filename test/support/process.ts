import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url))

export interface RunningProcess {
  readonly child: ChildProcess
  readonly stderr: () => string
  readonly stdout: () => string
  readonly controlUrl: string
  readonly ingestUrl: string
  /** The owner token when this start printed one. */
  readonly printedToken: string | undefined
  /** Resolves with the exit code and how long after the call the process took to exit. */
  waitForExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `switchyard start` as a child process and waits until its banner names both ports. */
export async function startProcess(
  env: Record<string, string>,
  timeoutMs = 20_000,
  nodeArgs: string[] = [],
): Promise<RunningProcess> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'start'], {
    env: { ...process.env, SWITCHYARD_INGEST_PORT: '0', SWITCHYARD_CONTROL_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const deadline = Date.now() + timeoutMs
  while (!/Lost the token\?/.test(err)) {
    if (child.exitCode !== null)
      throw new Error(`switchyard exited early (${child.exitCode}):\n${err}\n${out}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`switchyard did not start in ${timeoutMs} ms:\n${err}\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  const url = (label: string) => new RegExp(`${label}\\s+(http://\\S+?)(/v1|/)?\\n`).exec(err)?.[1]
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    ingestUrl: url('Collector \\(Tracking API\\)')!,
    controlUrl: url('Web app')!,
    printedToken: /^\s+(sy_tok_\S+)$/m.exec(err)?.[1],
    waitForExit: () => exited,
  }
}

/** Runs a CLI command to completion. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  /** Written to the command's stdin (which is closed at once otherwise). */
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    if (input !== undefined) child.stdin!.end(input)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}
