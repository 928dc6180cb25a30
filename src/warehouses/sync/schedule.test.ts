import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkAdvancedSchedule, latestSlot, nextSlot, scheduledSyncDue, syncScheduleOf } from './schedule.ts'

const at = (iso: string) => new Date(iso)
const every = (intervalMinutes: number) => ({ intervalMinutes, advanced: null })
const hours = (timezone: string, ...enabled: number[]) => ({
  intervalMinutes: 60,
  advanced: {
    enabled: true,
    schedule: { timezone, times: enabled.map((hourOfDay) => ({ hourOfDay, enabled: true })) },
  },
})

describe('sync schedule', () => {
  test('the interval comes from settings: default 60, at least 1', () => {
    for (const [settings, minutes] of [
      [{}, 60],
      [{ syncIntervalMinutes: 1 }, 1],
      [{ syncIntervalMinutes: 15 }, 15],
      [{ syncIntervalMinutes: 0 }, 60],
      [{ syncIntervalMinutes: 2.5 }, 60],
      [{ syncIntervalMinutes: '5' }, 60],
    ] as const) {
      assert.equal(syncScheduleOf(settings, null).intervalMinutes, minutes, JSON.stringify(settings))
    }
  })

  test('interval slots are aligned to the clock (hourly on the hour, UTC)', () => {
    const cases: [string, number, string, string][] = [
      // now, interval, latest slot, next slot
      ['2026-11-22T10:37:12Z', 60, '2026-11-22T10:00:00.000Z', '2026-11-22T11:00:00.000Z'],
      ['2026-11-22T10:00:00Z', 60, '2026-11-22T10:00:00.000Z', '2026-11-22T11:00:00.000Z'],
      ['2026-11-22T10:37:12Z', 1, '2026-11-22T10:37:00.000Z', '2026-11-22T10:38:00.000Z'],
      ['2026-11-22T10:37:12Z', 15, '2026-11-22T10:30:00.000Z', '2026-11-22T10:45:00.000Z'],
      ['2026-11-22T10:37:12Z', 1440, '2026-11-22T00:00:00.000Z', '2026-11-23T00:00:00.000Z'],
    ]
    for (const [now, interval, latest, next] of cases) {
      assert.equal(latestSlot(at(now), every(interval))?.toISOString(), latest, `${now} every ${interval}`)
      assert.equal(nextSlot(at(now), every(interval))?.toISOString(), next, `${now} every ${interval}`)
    }
  })

  test('a slot is due when no sync was requested since it began', () => {
    const now = at('2026-11-22T10:37:00Z')
    assert.equal(scheduledSyncDue(now, every(60), at('2026-11-22T09:59:59Z')), true)
    assert.equal(scheduledSyncDue(now, every(60), at('2026-11-22T10:00:00Z')), false)
    assert.equal(scheduledSyncDue(now, every(60), at('2026-11-22T10:20:00Z')), false, 'a manual sync counts')
    assert.equal(scheduledSyncDue(now, every(60), undefined), true)
  })

  test('advanced schedule: the chosen hours in the time zone', () => {
    // 10:37 UTC is 11:37 in Paris (CET) and 16:07 in Kolkata (UTC+5:30).
    const now = at('2026-11-22T10:37:00Z')
    assert.equal(latestSlot(now, hours('Europe/Paris', 2, 11))?.toISOString(), '2026-11-22T10:00:00.000Z')
    assert.equal(latestSlot(now, hours('Europe/Paris', 2))?.toISOString(), '2026-11-22T01:00:00.000Z')
    assert.equal(latestSlot(now, hours('Asia/Kolkata', 16))?.toISOString(), '2026-11-22T10:30:00.000Z')
    assert.equal(nextSlot(now, hours('Europe/Paris', 2, 11))?.toISOString(), '2026-11-23T01:00:00.000Z')
    assert.equal(latestSlot(now, hours('UTC')), undefined, 'no hour on: never due')
    assert.equal(scheduledSyncDue(now, hours('UTC'), undefined), false)
  })

  test('advanced schedules are checked field by field', () => {
    assert.deepEqual(checkAdvancedSchedule({ enabled: true, schedule: { timezone: 'UTC', times: [] } }), [])
    assert.deepEqual(checkAdvancedSchedule({ enabled: false }), [])
    assert.deepEqual(
      checkAdvancedSchedule({ enabled: true }).map((e) => e.field),
      ['schedule'],
    )
    assert.deepEqual(
      checkAdvancedSchedule({
        enabled: true,
        schedule: { timezone: 'Mars/Olympus', times: [{ hourOfDay: 24, enabled: true }] },
      }).map((e) => e.field),
      ['schedule.timezone', 'schedule.times[0].hourOfDay'],
    )
  })
})
