// Verified tokens, so a token used for many calls has its ES256 signature checked once. The safety rules
// (issue 23): keyed by the exact token text; an entry only after complete validation; a hit re-checks
// the time, that its kid is still in the current key set, and the revocation state (the caller does
// those); bounded in entries and token length; emptied by any key event or changed JWKS.

export class VerifiedTokenCache {
  /** @param {{ maxEntries: number, maxTokenLength: number }} limits */
  constructor(limits) {
    this.maxEntries = limits.maxEntries;
    this.maxTokenLength = limits.maxTokenLength;
    // A Map compares string keys by value (the whole text, never a hash or the signature alone), and
    // iterates in insertion order: the first key is the oldest entry, evicted first.
    this.entries = new Map();
    this.hits = 0;
    this.misses = 0;
    this.evictions = 0;
  }

  get size() {
    return this.entries.size;
  }

  get(token) {
    const entry = this.entries.get(token);
    if (entry === undefined) {
      this.misses++;
    } else {
      this.hits++;
    }

    return entry;
  }

  /** @param {{ claims: object, kid: string }} entry */
  set(token, entry) {
    if (this.maxEntries === 0 || token.length > this.maxTokenLength) {
      return;
    }

    this.entries.delete(token);
    while (this.entries.size >= this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value);
      this.evictions++;
    }

    this.entries.set(token, entry);
  }

  delete(token) {
    this.entries.delete(token);
  }

  clear() {
    this.entries.clear();
  }
}
