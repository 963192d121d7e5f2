// The revocation state of the last token lifetime, as the issuer's revocations endpoint reports it:
// the rules of ServerlessAuth.Core's RevocationReplica (and ServerlessAuth.AspNetCore's RevocationsResponse),
// checked against the same conformance fixture (tests/conformance/revocation-decisions.json).

import { Refusals } from './errors.js';

const maxMilliseconds = 253_402_300_799_999;

/**
 * Reads one answer `{"events":[...]}`. A known kind missing one of its members makes the whole answer
 * malformed (throws): applying the rest would let the state look current while missing a revocation.
 * An unknown kind is skipped, so a newer issuer does not stop older APIs.
 * @returns {{ events: object[], unknownKinds: string[] }}
 */
export function parseRevocations(root) {
  if (root === null || typeof root !== 'object' || Array.isArray(root) || !Array.isArray(root.events)) {
    throw new TypeError("The revocations answer has no 'events' array.");
  }

  const events = [];
  const unknownKinds = [];
  root.events.forEach((e, index) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      throw new TypeError(`Revocation event ${index} is not an object.`);
    }

    const id = requiredString(e, 'id', index);
    const kind = requiredString(e, 'kind', index);
    const publishedAt = milliseconds(e, 'published_at', index);
    switch (kind) {
      case 'token_revoked':
        events.push({ id, kind, publishedAt, jti: requiredString(e, 'jti', index), instant: milliseconds(e, 'instant', index) });
        break;
      case 'session_ended':
        events.push({ id, kind, publishedAt, sub: requiredString(e, 'sub', index), sid: requiredString(e, 'sid', index) });
        break;
      case 'user_cutoff':
        events.push({ id, kind, publishedAt, sub: requiredString(e, 'sub', index), instant: milliseconds(e, 'instant', index) });
        break;
      case 'service_cutoff':
        events.push({ id, kind, publishedAt, instant: milliseconds(e, 'instant', index) });
        break;
      case 'signing_keys_changed':
        events.push({ id, kind, publishedAt });
        break;
      default:
        unknownKinds.push(kind);
    }
  });
  return { events, unknownKinds };
}

function requiredString(e, name, index) {
  const value = e[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`Revocation event ${index} lacks the string '${name}'.`);
  }

  return value;
}

function milliseconds(e, name, index) {
  const value = e[name];
  if (!Number.isSafeInteger(value) || value < 0 || value > maxMilliseconds) {
    throw new TypeError(`Revocation event ${index} lacks '${name}' as unix milliseconds.`);
  }

  return value;
}

/**
 * Whether a cutoff ends a session begun at `authTimeSeconds`. The two instants come from different
 * instances' clocks, so a cutoff is a backstop: it ends sessions begun more than the skew before it,
 * in whole seconds; the sessions it spares come with their own session_ended events.
 */
export const endedByCutoff = (authTimeSeconds, cutoffMs, clockSkewMs) =>
  authTimeSeconds < Math.floor((cutoffMs - clockSkewMs) / 1000);

/**
 * Decisions: 'accept', 'refuse' (with the refusal text) or 'stale' (the state cannot be proven current:
 * answer 503). Times are unix milliseconds, given by the caller so tests and the fixture control them.
 */
export class RevocationReplica {
  /**
   * @param {{ clockSkewMs: number, stalenessBoundMs: number, overlapMs: number, retentionMs: () => number }} settings
   */
  constructor(settings) {
    this.settings = settings;
    this.revokedTokens = new Map(); // jti -> kept until (ms)
    this.endedSessions = new Map(); // sub + sid (unambiguous key) -> kept until
    this.userCutoffs = new Map(); // sub -> { cutoff, keepUntil }
    this.applied = new Map(); // event id -> published at, for de-duplicating overlapping re-reads
    this.serviceCutoff = -Infinity;
    this.currentAsOf = null;
    this.firstSync = new Promise((resolve) => { this.resolveFirstSync = resolve; });
  }

  isCurrent(now) {
    return this.currentAsOf !== null && now - this.currentAsOf <= this.settings.stalenessBoundMs;
  }

  /** @returns {{ decision: 'accept' | 'refuse' | 'stale', refusal?: string }} */
  check(claims, now) {
    if (!this.isCurrent(now)) {
      return { decision: 'stale' };
    }

    if (this.revokedTokens.has(claims.jti)) {
      return { decision: 'refuse', refusal: Refusals.tokenRevoked };
    }

    if (this.endedSessions.has(sessionKey(claims.sub, claims.sid))) {
      return { decision: 'refuse', refusal: Refusals.sessionEnded };
    }

    let cutoff = this.serviceCutoff;
    const user = this.userCutoffs.get(claims.sub);
    if (user !== undefined && user.cutoff > cutoff) {
      cutoff = user.cutoff;
    }

    if (cutoff !== -Infinity && endedByCutoff(claims.auth_time, cutoff, this.settings.clockSkewMs)) {
      return { decision: 'refuse', refusal: Refusals.sessionEnded };
    }

    return { decision: 'accept' };
  }

  describeStaleness(now) {
    const bound = (this.settings.stalenessBoundMs / 1000).toFixed(1).replace(/\.0$/, '');
    return this.currentAsOf === null
      ? "The revocation state has not been read yet from the issuer's revocations."
      : `The revocation state is ${((now - this.currentAsOf) / 1000).toFixed(1).replace(/\.0$/, '')} s old (bound ${bound} s): the issuer's revocations cannot be read.`;
  }

  /**
   * Applies one poll's events (each id once) and marks the state current as of the poll's start.
   * @returns {boolean} whether a new signing-keys event was among them
   */
  apply(events, pollStartedAt) {
    let keysChanged = false;
    const retention = this.settings.retentionMs();
    for (const e of events) {
      if (this.applied.has(e.id)) {
        continue;
      }

      this.applied.set(e.id, e.publishedAt);
      const keepUntil = e.publishedAt + retention;
      switch (e.kind) {
        case 'token_revoked':
          this.revokedTokens.set(e.jti, e.instant + this.settings.clockSkewMs);
          break;
        case 'session_ended':
          this.endedSessions.set(sessionKey(e.sub, e.sid), keepUntil);
          break;
        case 'user_cutoff': {
          const old = this.userCutoffs.get(e.sub);
          this.userCutoffs.set(e.sub, old === undefined
            ? { cutoff: e.instant, keepUntil }
            : { cutoff: Math.max(old.cutoff, e.instant), keepUntil: Math.max(old.keepUntil, keepUntil) });
          break;
        }
        case 'service_cutoff':
          // Kept for good: one value, and refusing sessions begun before it is always right.
          this.serviceCutoff = Math.max(this.serviceCutoff, e.instant);
          break;
        case 'signing_keys_changed':
          keysChanged = true;
          break;
      }
    }

    this.prune(pollStartedAt);
    this.currentAsOf = pollStartedAt;
    this.resolveFirstSync();
    return keysChanged;
  }

  prune(now) {
    for (const map of [this.revokedTokens, this.endedSessions]) {
      for (const [key, keepUntil] of map) {
        if (keepUntil < now) map.delete(key);
      }
    }

    for (const [sub, value] of this.userCutoffs) {
      if (value.keepUntil < now) this.userCutoffs.delete(sub);
    }

    // Ids are needed only while the next polls may read their events again.
    const forgetBefore = now - this.settings.overlapMs - this.settings.stalenessBoundMs;
    for (const [id, published] of this.applied) {
      if (published < forgetBefore) this.applied.delete(id);
    }
  }

  get trackedCount() {
    return this.revokedTokens.size + this.endedSessions.size + this.userCutoffs.size;
  }
}

const sessionKey = (sub, sid) => `${sub.length}:${sub}${sid}`;
