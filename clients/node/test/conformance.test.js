// The conformance fixture shared with the .NET tests (tests/conformance/revocation-decisions.json):
// the same event sequences must get the same decisions here as in RevocationReplica.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RevocationReplica, parseRevocations } from '../src/index.js';

const fixture = JSON.parse(readFileSync(new URL('../../../tests/conformance/revocation-decisions.json', import.meta.url), 'utf8'));
const { settings } = fixture;

function newReplica() {
  const clockSkewMs = settings.clock_skew_seconds * 1000;
  const overlapMs = settings.http_timeout_ms + clockSkewMs;
  return new RevocationReplica({
    clockSkewMs,
    stalenessBoundMs: settings.staleness_bound_ms,
    overlapMs,
    retentionMs: () => settings.access_token_lifetime_seconds * 1000 + clockSkewMs + overlapMs,
  });
}

describe('conformance: revocation decisions', () => {
  test('the fixture has cases', () => assert.ok(fixture.cases.length >= 10));

  for (const c of fixture.cases) {
    test(c.name, () => {
      const replica = newReplica();
      c.steps.forEach((step, index) => {
        const where = `step ${index} (at ${step.at})`;
        if (step.poll !== undefined) {
          const keysChanged = replica.apply(parseRevocations(step.poll).events, step.at);
          if (step.keys_changed !== undefined) assert.equal(keysChanged, step.keys_changed, `${where}: keys changed`);
        } else if (step.malformed_poll !== undefined) {
          assert.throws(() => parseRevocations(step.malformed_poll), TypeError, `${where}: the answer is malformed`);
        } else {
          const answer = replica.check(step.token, step.at);
          assert.equal(answer.decision, step.expect, `${where}: decision for ${JSON.stringify(step.token)}`);
          if (step.refusal !== undefined) assert.equal(answer.refusal, step.refusal, `${where}: refusal text`);
        }
      });
    });
  }
});
