import { setTimeout as sleep } from 'node:timers/promises'
import { createReplay } from '../archive/index.ts'
import type { SwitchyardConfig } from '../config/index.ts'
import { createLogger, openMigratedStore } from '../server/index.ts'
import { SYSTEM_ACTOR, type ReplayJob } from '../store/index.ts'
import { UsageError } from './usage-error.ts'

export interface ReplayCommand {
  source?: string
  from?: string
  to?: string
  destination?: string[]
  type?: string[]
  event?: string[]
  /** Queue the replay and exit without waiting for it. */
  detach?: boolean
}

export interface ReplayOutput {
  write(text: string): void
  /** Whether the output is a terminal (the bar redraws in place) or a log (a line per step). */
  readonly isTTY?: boolean
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled'])

/**
 * `switchyard replay`: queues a replay through the store (a worker process runs it) and draws its
 * progress on stderr until it ends. Resolves to the exit status: 0 when the replay succeeded.
 * Stopping the command (Ctrl-C) stops watching, not the replay.
 */
export async function replay(
  config: SwitchyardConfig,
  command: ReplayCommand,
  out: ReplayOutput = process.stderr,
  pollMs = 500,
): Promise<number> {
  if (!command.source || !command.from || !command.to)
    throw new UsageError('replay needs --source <id> --from <iso time> --to <iso time>')
  const store = await openMigratedStore(config, createLogger('warn'))
  try {
    const workspaceId = await store.replayJobs.workspaceOfSource(command.source)
    if (!workspaceId) throw new UsageError(`No source with id ${command.source}`)
    let job = await store.transaction((tx) =>
      createReplay(
        tx,
        {
          workspaceId,
          sourceId: command.source!,
          startTime: command.from!,
          endTime: command.to!,
          ...(command.destination && { destinationIds: command.destination }),
          ...(command.type && { eventTypes: command.type }),
          ...(command.event && { eventNames: command.event }),
        },
        { ...SYSTEM_ACTOR, name: 'Switchyard CLI' },
      ),
    )
    out.write(
      `Replay ${job.id} queued: messages of source ${job.sourceId} received from ${job.startTime} to ${job.endTime}, to ${job.destinationIds.length} destination(s).\n`,
    )
    if (command.detach) return 0
    out.write(
      'A worker runs it (`switchyard start` with the worker role). Ctrl-C stops watching, not the replay.\n',
    )
    let shown = ''
    for (;;) {
      const line = progressLine(job)
      if (out.isTTY) out.write(`\r${line}\x1b[K`)
      else if (line !== shown && (FINISHED.has(job.status) || milestone(line) !== milestone(shown)))
        out.write(`${line}\n`)
      shown = line
      if (FINISHED.has(job.status)) break
      await sleep(pollMs)
      job = (await store.replayJobs.get(workspaceId, job.id)) ?? job
    }
    if (out.isTTY) out.write('\n')
    if (job.status !== 'succeeded')
      out.write(`Replay ${job.id} ${job.status}${job.error ? `: ${job.error}` : ''}\n`)
    return job.status === 'succeeded' ? 0 : 1
  } finally {
    await store.close()
  }
}

/** One line of progress: a bar, the percentage, counts and the status. Pure. */
export function progressLine(
  job: Pick<ReplayJob, 'status' | 'total' | 'processed' | 'enqueued'>,
  width = 30,
): string {
  const ratio = job.status === 'succeeded' ? 1 : job.total ? Math.min(1, job.processed / job.total) : 0
  const filled = Math.round(ratio * width)
  const total = job.total === null ? '?' : String(job.total)
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${job.processed}/${total} messages, ${job.enqueued} queued  ${job.status}`
}

/** Lines written to a log only every ten percent (and on status changes). */
const milestone = (line: string): string => {
  const match = /\]\s+(\d+)%.*\s(\w+)$/.exec(line)
  return match ? `${Math.floor(Number(match[1]) / 10)}/${match[2]}` : ''
}
