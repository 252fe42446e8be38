/**
 * Anti-DoS limits of the QBFT state machine. Every message the machine keeps is bounded per sender by
 * one of these constants, so a Byzantine peer can fill only its own share of memory, never starve an
 * honest peer's messages, and never make the machine do unbounded work per message.
 */

/**
 * PREPAREs and COMMITs are kept for rounds up to `current + MAX_ROUNDS_AHEAD` (one per sender, kind and
 * round); later ones are dropped. Honest nodes that are ahead of us pull us forward with ROUND-CHANGEs
 * and justified PRE-PREPAREs, which are not subject to this window (ROUND-CHANGEs are kept as one per
 * sender, its highest); votes further ahead are of no use until we get there, and a node that gets
 * there late finishes the height from a DECIDED. Eight rounds cover the skew between honest nodes after
 * a partition heals with the default linear timer.
 */
export const MAX_ROUNDS_AHEAD = 8;

/**
 * Messages for heights `current + 1 … current + MAX_HEIGHTS_AHEAD` are buffered until `start` reaches
 * them; later heights are dropped. An honest peer is at most one height ahead of a node that has not
 * yet seen the decision it saw; two leaves slack for a node that is being started.
 */
export const MAX_HEIGHTS_AHEAD = 2;

/**
 * At most this many future-height messages are buffered per sender; the oldest go first. An honest
 * peer sends at most four messages per round (PRE-PREPARE when leading, PREPARE, COMMIT,
 * ROUND-CHANGE): 64 is sixteen rounds of a peer one height ahead, far more than a node needs to catch
 * up, since it is sent a DECIDED when it asks for a round change on a decided height.
 */
export const MAX_FUTURE_MESSAGES_PER_SENDER = 64;

/**
 * Decisions kept to answer nodes still working on an earlier height with a DECIDED. A node further
 * behind needs block sync, not consensus.
 */
export const RETAINED_DECISIONS = 16;
