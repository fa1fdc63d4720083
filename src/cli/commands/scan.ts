/** `trust-auditor scan`: one audit, its report on stdout, its verdict as the exit status. */
import { runScan } from '../../scan/scanner.js';
import type { Command } from '../args.js';
import { renderScanHuman, renderScanJson, scanExitStatus, ScanReport } from '../scan-report.js';
import type { CommandDeps } from './deps.js';

export async function scanCommand(
  command: Extract<Command, { name: 'scan' }>,
  deps: Pick<CommandDeps, 'stdout' | 'signals' | 'loadConfig' | 'createLogger' | 'openScanContext'>
): Promise<number> {
  const config = deps.loadConfig(command.configFile);
  const log = deps.createLogger();
  const context = await deps.openScanContext(config, 'scan', log);
  const abort = new AbortController();
  // The abort's reason is the signal's name: the scan's error says what stopped it.
  // Once per signal: a second one gets the default action and ends the process.
  const onSignal = (signal: NodeJS.Signals): void => {
    log.warn({ signal }, 'Stopping the scan');
    abort.abort(signal);
  };
  deps.signals.once('SIGINT', onSignal);
  deps.signals.once('SIGTERM', onSignal);
  try {
    const report = new ScanReport(command.json ? 'all' : 'findings');
    const result = await runScan(context.deps, {
      repositories: config.nexus?.repositories,
      registrySample: config.nexus?.registrySample ?? 0,
      evaluateAt: command.at,
      expiryWarningMs: config.expiryWarningDays * 86_400_000,
      signal: abort.signal,
      listener: report,
      signatures: context.signatures,
    });
    deps.stdout(command.json ? renderScanJson(result, report) : renderScanHuman(result, report));
    return scanExitStatus(result);
  } finally {
    deps.signals.off('SIGINT', onSignal);
    deps.signals.off('SIGTERM', onSignal);
    await context.close();
  }
}
