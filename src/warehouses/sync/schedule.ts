/**
 * When scheduled syncs are due (warehouse spec §3), pure. A warehouse syncs every
 * `syncIntervalMinutes` (a setting, default 60, at least 1), on slots aligned to the clock (hourly
 * syncs run on the hour, UTC); or, with Segment's advanced schedule on, at the chosen hours of the day
 * in its time zone. A slot is due when no sync (scheduled or asked for) was requested since it began.
 */
import type { AdvancedSyncSchedule } from '../../store/index.ts'

export const DEFAULT_SYNC_INTERVAL_MINUTES = 60
export const MIN_SYNC_INTERVAL_MINUTES = 1
export const MAX_SYNC_INTERVAL_MINUTES = 7 * 24 * 60

export interface SyncSchedule {
  readonly intervalMinutes: number
  readonly advanced: AdvancedSyncSchedule | null
}

/** The schedule a warehouse's settings and advanced schedule give. */
export function syncScheduleOf(
  settings: Readonly<Record<string, unknown>>,
  advanced: AdvancedSyncSchedule | null,
): SyncSchedule {
  const interval = settings.syncIntervalMinutes
  return {
    intervalMinutes:
      typeof interval === 'number' && Number.isInteger(interval) && interval >= MIN_SYNC_INTERVAL_MINUTES
        ? interval
        : DEFAULT_SYNC_INTERVAL_MINUTES,
    advanced,
  }
}

const MINUTE = 60_000

/**
 * The start of the latest slot at or before `now`; `undefined` when the schedule has none (an advanced
 * schedule with no hour on).
 */
export function latestSlot(now: Date, schedule: SyncSchedule): Date | undefined {
  const advanced = schedule.advanced
  if (advanced?.enabled && advanced.schedule) {
    const hours = new Set(advanced.schedule.times.filter((t) => t.enabled).map((t) => t.hourOfDay))
    if (hours.size === 0) return undefined
    const clock = localClock(advanced.schedule.timezone)
    // Walk back over quarter hours (time zones are offset by whole quarters) for at most two days.
    let at = Math.floor(now.getTime() / (15 * MINUTE)) * 15 * MINUTE
    for (let step = 0; step < 2 * 24 * 4; step++, at -= 15 * MINUTE) {
      const { hour, minute } = clock(at)
      if (minute === 0 && hours.has(hour)) return new Date(at)
    }
    return undefined
  }
  const intervalMs = schedule.intervalMinutes * MINUTE
  return new Date(Math.floor(now.getTime() / intervalMs) * intervalMs)
}

/** Whether a scheduled sync is due now, given when the last sync was requested. */
export function scheduledSyncDue(
  now: Date,
  schedule: SyncSchedule,
  lastRequestedAt: Date | undefined,
): boolean {
  const slot = latestSlot(now, schedule)
  if (slot === undefined) return false
  return lastRequestedAt === undefined || lastRequestedAt.getTime() < slot.getTime()
}

/** The next slot after `now`, for "next scheduled sync" in listings. */
export function nextSlot(now: Date, schedule: SyncSchedule): Date | undefined {
  if (schedule.advanced?.enabled) {
    // The latest slot seen from up to two days ahead that is still after now.
    for (let hours = 1; hours <= 48; hours++) {
      const slot = latestSlot(new Date(now.getTime() + hours * 60 * MINUTE), schedule)
      if (slot && slot.getTime() > now.getTime()) return slot
    }
    return undefined
  }
  const intervalMs = schedule.intervalMinutes * MINUTE
  return new Date((Math.floor(now.getTime() / intervalMs) + 1) * intervalMs)
}

/** Checks an advanced schedule as the API receives it; each error names its field. */
export function checkAdvancedSchedule(input: AdvancedSyncSchedule): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = []
  if (typeof input.enabled !== 'boolean') errors.push({ field: 'enabled', message: 'must be true or false' })
  const schedule = input.schedule
  if (schedule === undefined) {
    if (input.enabled === true)
      errors.push({ field: 'schedule', message: 'is required when enabled is true' })
    return errors
  }
  try {
    localClock(schedule.timezone)
  } catch {
    errors.push({
      field: 'schedule.timezone',
      message: `must be a time zone of the tz database, like "Europe/Paris" (got ${JSON.stringify(schedule.timezone)})`,
    })
  }
  if (!Array.isArray(schedule.times)) {
    errors.push({ field: 'schedule.times', message: 'must be a list of {hourOfDay, enabled}' })
    return errors
  }
  schedule.times.forEach((t, i) => {
    if (!Number.isInteger(t?.hourOfDay) || t.hourOfDay < 0 || t.hourOfDay > 23)
      errors.push({ field: `schedule.times[${i}].hourOfDay`, message: 'must be a whole number from 0 to 23' })
    if (typeof t?.enabled !== 'boolean')
      errors.push({ field: `schedule.times[${i}].enabled`, message: 'must be true or false' })
  })
  return errors
}

const clocks = new Map<string, (at: number) => { hour: number; minute: number }>()

/** The wall-clock hour and minute in a time zone; throws a RangeError for an unknown zone. */
function localClock(timezone: string): (at: number) => { hour: number; minute: number } {
  let clock = clocks.get(timezone)
  if (clock === undefined) {
    if (typeof timezone !== 'string' || timezone === '') throw new RangeError('no time zone')
    const format = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    clock = (at) => {
      const parts = format.formatToParts(at)
      return {
        hour: Number(parts.find((p) => p.type === 'hour')!.value),
        minute: Number(parts.find((p) => p.type === 'minute')!.value),
      }
    }
    clocks.set(timezone, clock)
  }
  return clock
}
