import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import {
  alertKey,
  FINDING_ALERT_NAME,
  FINDING_STATUSES,
  findingAlert,
  isFinding,
  MAX_ANNOTATION_CHARS,
  planPush,
  RUNBOOK_OF_STATUS,
  SEVERITY_OF_STATUS,
  type FindingAlertContext,
  type FindingStatus,
} from '../../../src/alertmanager/finding-alerts.js';
import { TAG_STATUSES } from '../../../src/notary/core/codes.js';
import { STATUS_RUNBOOKS } from '../../../src/server/status-page/runbooks.js';
import { SEVERITY_ORDER } from '../../../src/server/status-page/view-model.js';
import { storedTag } from '../../support/verdicts.js';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const CONTEXT: FindingAlertContext = {
  now: NOW,
  holdMs: 45 * 60_000,
  runbookUrl: 'https://wiki.example.com/runbooks.md#old',
  statusPageUrl: new URL('https://auditor.example.com/audit/?status=all#top'),
};

const finding = (tag: string, status: FindingStatus, fields: Parameters<typeof storedTag>[0] extends infer F ? Partial<F> : never = {}) =>
  storedTag({ tag, status, ...fields }, '2030-06-01T11:00:00.000Z') as ReturnType<typeof storedTag> & { status: FindingStatus };

describe('findingAlert', () => {
  it('labels the tag and its status, annotates the reason, the runbook section and the status page', () => {
    const alert = findingAlert(finding('1.0', 'unsigned', { reason: 'no trust data for the GUN' }), CONTEXT);

    assert.deepEqual(alert, {
      labels: { alertname: FINDING_ALERT_NAME, severity: 'warning', repository: 'docker-hosted', image: 'app', tag: '1.0', status: 'unsigned' },
      annotations: {
        summary: 'docker-hosted/app:1.0 is unsigned',
        description: 'no trust data for the GUN',
        gun: 'registry.example/app',
        runbook_url: 'https://wiki.example.com/runbooks.md#trustauditorunsignedtag',
        digest: `sha256:${'a'.repeat(64)}`,
      },
      startsAt: '2030-06-01T11:00:00.000Z',
      endsAt: '2030-06-01T12:45:00.000Z',
      generatorURL: 'https://auditor.example.com/audit/?status=unsigned',
    });
  });

  it('names the runbook section when no site copy is set, and leaves out what is unknown', () => {
    const alert = findingAlert(finding('1.0', 'invalid', { digest: null }), { ...CONTEXT, runbookUrl: undefined, statusPageUrl: undefined });

    assert.equal(alert.annotations['runbook'], 'docs/runbooks.md#trustauditortrustdatainvalid');
    assert.equal(alert.annotations['runbook_url'], undefined);
    assert.equal(alert.annotations['digest'], undefined);
    assert.equal(alert.annotations['description'], 'status invalid');
    assert.equal(alert.generatorURL, undefined);
    assert.equal(alert.labels['severity'], 'critical');
  });

  it('cuts long annotations and never starts after now', () => {
    const alert = findingAlert(finding('1.0', 'error', { reason: 'x'.repeat(5000), statusSince: '2031-01-01T00:00:00.000Z' }), CONTEXT);
    const garbled = findingAlert(finding('1.0', 'error', { statusSince: 'yesterday' }), CONTEXT);

    assert.equal(alert.annotations['description']?.length, MAX_ANNOTATION_CHARS);
    assert.equal(alert.startsAt, NOW.toISOString());
    assert.equal(garbled.startsAt, NOW.toISOString());
  });

  it('covers every status but signed, with the status page runbooks and the rules severities', () => {
    const rules = parse(readFileSync(new URL('../../../../deploy/prometheus/alerts.yml', import.meta.url), 'utf8')) as {
      groups: { rules: { alert: string; labels: { severity: string } }[] }[];
    };
    const severityOf = new Map(rules.groups.flatMap((group) => group.rules.map((rule) => [rule.alert, rule.labels.severity])));

    assert.deepEqual([...FINDING_STATUSES], [...SEVERITY_ORDER]);
    assert.deepEqual(
      TAG_STATUSES.filter((status) => isFinding(status)),
      TAG_STATUSES.filter((status) => status !== 'signed')
    );
    for (const status of FINDING_STATUSES) {
      assert.equal(RUNBOOK_OF_STATUS[status], STATUS_RUNBOOKS[status].alert, status);
      if (status !== 'error') {
        // `error` has no per-tag rule; TrustAuditorScanFailing is a warning, as is this alert.
        assert.equal(SEVERITY_OF_STATUS[status], severityOf.get(RUNBOOK_OF_STATUS[status]), status);
      }
    }
    assert.equal(SEVERITY_OF_STATUS.error, severityOf.get('TrustAuditorScanFailing'));
  });
});

describe('planPush', () => {
  const alert = (tag: string, status: FindingStatus) => findingAlert(finding(tag, status), CONTEXT);

  it('sends every finding again and resolves, at now, what was sent before and is gone or changed status', () => {
    const before = [alert('1.0', 'unsigned'), alert('2.0', 'unsigned'), alert('3.0', 'expired')];
    const previous = new Map(before.map((sent) => [alertKey(sent), sent]));
    const current = [alert('1.0', 'unsigned'), alert('2.0', 'invalid')];

    const plan = planPush(previous, current, NOW);

    assert.equal(plan.resolved, 2);
    assert.deepEqual(
      plan.alerts.map((sent) => [sent.labels['tag'], sent.labels['status'], sent.endsAt]),
      [
        ['1.0', 'unsigned', '2030-06-01T12:45:00.000Z'],
        ['2.0', 'invalid', '2030-06-01T12:45:00.000Z'],
        ['2.0', 'unsigned', NOW.toISOString()],
        ['3.0', 'expired', NOW.toISOString()],
      ]
    );
    assert.deepEqual([...plan.firing.keys()], current.map(alertKey));
  });

  it('keys an alert by its label set whatever the order of its labels', () => {
    const one = alert('1.0', 'unsigned');
    const reordered = { ...one, labels: Object.fromEntries(Object.entries(one.labels).reverse()) };

    assert.equal(alertKey(reordered), alertKey(one));
    assert.notEqual(alertKey(alert('1.0', 'expired')), alertKey(one));
  });
});
