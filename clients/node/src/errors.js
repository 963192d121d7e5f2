// What a refused or undecidable token gets, in the .NET handler's words (ServerlessAuth.AspNetCore):
// 401 invalid_token with an RFC 6750 challenge, or 503 with Retry-After and RFC 9457 problem details.
// Descriptions are fixed texts of ours: never token content, never a library's message.

export const Refusals = Object.freeze({
  malformed: 'The token is malformed.',
  expired: 'The token has expired.',
  notYetValid: 'The token is not valid yet.',
  wrongIssuer: 'The token has the wrong issuer.',
  wrongAudience: 'The token has the wrong audience.',
  wrongAlgorithm: 'The token is signed with an algorithm that is not accepted.',
  wrongType: 'The token has the wrong type.',
  unknownKey: 'The token is signed with an unknown or retired key.',
  badSignature: 'The token signature is invalid.',
  noExpiry: 'The token has no expiry.',
  missingClaim: 'The token lacks a required claim.',
  wrongLifetime: "The token's lifetime is not one this issuer issues.",
  tokenRevoked: 'The token has been revoked.',
  sessionEnded: 'The session has ended.',
});

const unavailableType = 'https://tools.ietf.org/html/rfc9110#section-15.6.4';

/** A token that is refused (401) or whose standing cannot be proven now (503). */
export class ServerlessAuthError extends Error {
  /**
   * @param {401 | 503} status
   * @param {string} description the error_description (401) or the problem's detail (503)
   * @param {number} [retryAfterSeconds] only for 503
   */
  constructor(status, description, retryAfterSeconds) {
    super(description);
    this.name = 'ServerlessAuthError';
    this.status = status;
    this.code = status === 401 ? 'invalid_token' : 'temporarily_unavailable';
    this.description = description;
    this.retryAfterSeconds = status === 503 ? Math.max(1, Math.ceil(retryAfterSeconds ?? 1)) : undefined;
  }

  /** The answer as status, headers and body, for any server framework. */
  toResponse() {
    if (this.status === 401) {
      // RFC 6750 3: the quoted string may not hold '"' or '\'; these fixed descriptions never do.
      return {
        status: 401,
        headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${this.description}"` },
        body: '',
      };
    }

    return {
      status: 503,
      headers: {
        'Retry-After': String(this.retryAfterSeconds),
        'Cache-Control': 'no-store',
        'Content-Type': 'application/problem+json',
      },
      body: JSON.stringify({
        type: unavailableType,
        title: 'Service temporarily unavailable',
        status: 503,
        detail: this.description,
        code: 'temporarily_unavailable',
      }),
    };
  }
}

export const refused = (description) => new ServerlessAuthError(401, description);

export const unavailable = (detail, retryAfterSeconds) => new ServerlessAuthError(503, detail, retryAfterSeconds);
