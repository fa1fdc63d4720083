import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { scheduleIntervalSeconds } from '../../../src/scheduler/interval.js';

// One clock reading; the interval of these schedules does not depend on the date.
const NOW = new Date();

describe('the interval a cron schedule leaves between scans', () => {
  it('is the step of a regular schedule', () => {
    assert.equal(scheduleIntervalSeconds('*/15 * * * *', NOW), 900);
    assert.equal(scheduleIntervalSeconds('*/5 * * * *', NOW), 300);
    assert.equal(scheduleIntervalSeconds('0 * * * *', NOW), 3600);
    assert.equal(scheduleIntervalSeconds('*/30 * * * * *', NOW), 30);
  });

  it('is the longest gap of an irregular one', () => {
    // 09:00 and 17:00 every day: the night gap, 16 hours.
    assert.equal(scheduleIntervalSeconds('0 9,17 * * *', NOW), 16 * 3600);
    // Weekdays only at 06:00: from Friday to Monday, three days.
    assert.equal(scheduleIntervalSeconds('0 6 * * 1-5', NOW), 3 * 86_400);
  });

  it('is a year or more for a schedule that fires once a year (400 days when the window holds one fire)', () => {
    const yearly = scheduleIntervalSeconds('0 0 1 1 *', NOW);
    assert.ok(yearly === 365 * 86_400 || yearly === 366 * 86_400 || yearly === 400 * 86_400, String(yearly));
  });
});
