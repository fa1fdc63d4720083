/**
 * Runs a callback on a cron schedule. node-cron keeps a module-level task
 * registry, so it stays behind this interface and every task is destroyed on
 * stop (house style rule 3: no global state leaks out of main.ts's wiring).
 */
import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';

export interface Scheduler {
  /** When the schedule next fires (undefined once stopped). */
  nextRunAt(): Date | undefined;
  stop(): Promise<void>;
}

export function startCronScheduler(expression: string, onTick: () => void): Scheduler {
  const task: ScheduledTask = cronSchedule(expression, () => onTick(), { name: 'trust-auditor-scan' });
  return {
    nextRunAt() {
      return task.getNextRun() ?? undefined;
    },
    async stop() {
      await task.stop();
      await task.destroy();
    },
  };
}
