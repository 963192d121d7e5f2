// serverlessauth-express: ServerlessAuth access tokens for Node APIs, with revocations seen within a second.
import { ServerlessAuth } from './serverless-auth.js';

export { ServerlessAuth, maxTokenLength } from './serverless-auth.js';
export { ServerlessAuthError, Refusals } from './errors.js';
export { RevocationReplica, parseRevocations, endedByCutoff } from './revocations.js';
export { VerifiedTokenCache } from './token-cache.js';

/** A verifier for one issuer and audience; it starts following the issuer at its first use. */
export const createServerlessAuth = (options) => new ServerlessAuth(options);
