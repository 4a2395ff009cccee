// The plan workflow's versions, oldest first: each change to what a plan does is a `patched()` id, and a
// plan whose history predates a patch replays the code it started on (test/fixtures/histories holds one
// recorded history per shape, test/replay replays them all).

/**
 * The permit checks and the booking run as local activities: in the worker that runs the workflow task,
 * without a round trip through the server's task queues (one workflow task and two activity dispatches
 * fewer per plan, and one billable action for all of them, docs/benchmarks.md). Safe to repeat: a permit
 * is recorded once per permit id and a re-run answers with the permit as first recorded (its decision and
 * expiry, the ones the consume checks), and a fill is booked once per exchange order id (under
 * CUMULATIVE_FILLS: once per increment of the order's cumulative executed quantity). The order itself
 * stays a regular activity: its attempt count is the server's, which the lookup-before-re-send relies on.
 *
 * Plans whose history predates it keep replaying their regular activities.
 */
export const LOCAL_STEPS = 'local-permits-and-booking';

/**
 * Order attempts recorded in the store, each with its own client order id, and settled before any other
 * outcome is believed (docs/order-protocol.md). Plans whose history predates it keep their single client
 * order id and lookup-on-timeout.
 */
export const ORDER_ATTEMPTS = 'order-attempts-settled';

/**
 * Fills booked by the order's cumulative executed quantity: what is filled is booked as soon as the order is
 * known, then the order is looked up (backing off) and each new cumulative quantity booked until the order
 * is final, with no limit on look-ups. Plans whose history predates it look an open order up at most
 * MAX_ORDER_FOLLOW_UPS times and book it once.
 */
export const CUMULATIVE_FILLS = 'cumulative-fills';

/**
 * A reconcile authorises the denial it answers, no more: a reconcile signal is applied only while the plan
 * awaits one after a position-check denial, and the ledger adjustment records that denial (permit id and
 * amounts). A signal arriving at any other time is recorded (`reconcile_not_applied`) and dropped, never
 * kept for later. Plans whose history predates it keep every request and spend the first one when denied.
 */
export const RECONCILE_ANSWERS_DENIAL = 'reconcile-answers-denial';

/**
 * Plans of a symbol take turns (docs/concurrency.md): a plan queues for its symbol's turn before each permit
 * round and keeps it until its order is final and booked or it ends, giving it up while a pause holds it; the
 * booking of a final order also records what the order executed in the end, so that it no longer counts as
 * in flight. Plans whose history predates it run without turns (the position check still counts their
 * orders in flight) and book as before.
 */
export const SYMBOL_TURNS = 'symbol-turns';

/** A refused look-up of a placed order that is not final keeps the plan following it (it failed the plan before). */
export const FOLLOW_UPS_SURVIVE_REFUSALS = 'follow-ups-survive-refusals';

/**
 * A reconcile's ledger sync, once asked for, completes: a cancel or halt arriving during it takes effect
 * after it (the sync activity was cancelled before, while it could still write the ledger unreported).
 */
export const RECONCILE_SYNC_COMPLETES = 'reconcile-sync-completes';

/**
 * The halt signal is applied. A plan whose history predates it (one that ran on a worker without halts,
 * where a halt signal stayed unread) records it as not applied.
 */
export const HALT_SIGNAL = 'halt-signal';
