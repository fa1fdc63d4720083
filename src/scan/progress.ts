/** The scan's progress log line, every `intervalMs` while it runs (long scans must show they are alive). */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { ScanTally } from './tally.js';
import type { TrustChecker } from './trust-checker.js';

export interface ScanProgress {
  repositoriesDone: number;
  repositoriesTotal: number;
  tagsListed: number;
  stop(): void;
}

export function startProgressLog(options: {
  readonly scanId: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly startedAt: Date;
  readonly tally: ScanTally;
  readonly trust: TrustChecker;
  readonly intervalMs: number;
}): ScanProgress {
  const { scanId, clock, log, startedAt, tally, trust } = options;
  const timer = setInterval(() => {
    const seconds = (clock.now().getTime() - startedAt.getTime()) / 1000;
    log.info(
      {
        scanId,
        repositories: `${progress.repositoriesDone}/${progress.repositoriesTotal}`,
        tagsListed: progress.tagsListed,
        tagsJudged: tally.tagsJudged,
        imagesChecked: trust.gunsChecked,
        tagsPerSecond: seconds > 0 ? Math.round(tally.tagsJudged / seconds) : 0,
      },
      'Scan progress'
    );
  }, options.intervalMs);
  timer.unref();
  const progress: ScanProgress = { repositoriesDone: 0, repositoriesTotal: 0, tagsListed: 0, stop: () => clearInterval(timer) };
  return progress;
}
