/**
 * Schema migrations, applied in order and recorded in schema_migrations. Never edit a released
 * migration: add a new one. Kept as TypeScript strings (not .sql files) so `tsc` builds carry them.
 * The same SQL runs on PostgreSQL and on PGlite.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const journalGuard = `
CREATE FUNCTION forbid_journal_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END
$$;
`;

const ledger = `
CREATE TABLE ledger_positions (
  venue      text        NOT NULL,
  symbol     text        NOT NULL,
  position   numeric     NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (venue, symbol)
);

CREATE TABLE ledger_fills (
  fill_id           bigserial   PRIMARY KEY,
  venue             text        NOT NULL,
  symbol            text        NOT NULL,
  plan_id           text        NOT NULL,
  client_order_id   text        NOT NULL,
  exchange_order_id text        NOT NULL,
  side              text        NOT NULL CHECK (side IN ('BUY', 'SELL')),
  qty               numeric     NOT NULL CHECK (qty > 0),
  price             numeric     NOT NULL CHECK (price > 0),
  filled_at         timestamptz NOT NULL,
  booked_at         timestamptz NOT NULL,
  position_before   numeric     NOT NULL,
  position_after    numeric     NOT NULL,
  UNIQUE (venue, exchange_order_id),
  CHECK (position_after - position_before = CASE side WHEN 'BUY' THEN qty ELSE -qty END)
);
CREATE INDEX ledger_fills_plan ON ledger_fills (plan_id);
CREATE INDEX ledger_fills_position ON ledger_fills (venue, symbol);

CREATE TABLE ledger_adjustments (
  seq             bigserial   PRIMARY KEY,
  adjustment_id   text        NOT NULL UNIQUE,
  venue           text        NOT NULL,
  symbol          text        NOT NULL,
  before          numeric     NOT NULL,
  after           numeric     NOT NULL,
  delta           numeric     NOT NULL,
  who             text        NOT NULL,
  why             text        NOT NULL,
  plan_id         text,
  command         text,
  idempotency_key text        UNIQUE,
  at              timestamptz NOT NULL,
  CHECK (delta = after - before)
);
CREATE INDEX ledger_adjustments_position ON ledger_adjustments (venue, symbol, seq);

CREATE TRIGGER ledger_fills_append_only BEFORE UPDATE OR DELETE ON ledger_fills
  FOR EACH ROW EXECUTE FUNCTION forbid_journal_mutation();
CREATE TRIGGER ledger_adjustments_append_only BEFORE UPDATE OR DELETE ON ledger_adjustments
  FOR EACH ROW EXECUTE FUNCTION forbid_journal_mutation();
`;

const permits = `
CREATE TABLE permits (
  permit_id         text        PRIMARY KEY,
  permit_key        text        NOT NULL,
  layer             text        NOT NULL CHECK (layer IN ('governor', 'p33')),
  plan_id           text        NOT NULL,
  symbol            text        NOT NULL,
  granted           boolean     NOT NULL,
  reason            text,
  context           jsonb       NOT NULL,
  computed_qty      numeric,
  computed_notional numeric,
  created_at        timestamptz NOT NULL,
  expires_at        timestamptz NOT NULL,
  ttl_seconds       integer     NOT NULL CHECK (ttl_seconds > 0),
  consumed_at       timestamptz,
  recorded_at       timestamptz NOT NULL,
  CHECK (expires_at > created_at),
  CHECK (consumed_at IS NULL OR granted)
);
CREATE INDEX permits_plan ON permits (plan_id, created_at);
`;

const tradingState = `
CREATE TABLE trading_state (
  scope      text        PRIMARY KEY,
  state      text        NOT NULL CHECK (state IN ('running', 'paused')),
  reason     text,
  changed_by text,
  changed_at timestamptz NOT NULL
);

CREATE TABLE trading_state_changes (
  change_id      bigserial   PRIMARY KEY,
  scope          text        NOT NULL,
  previous_state text        NOT NULL CHECK (previous_state IN ('running', 'paused')),
  state          text        NOT NULL CHECK (state IN ('running', 'paused')),
  who            text        NOT NULL,
  why            text        NOT NULL,
  at             timestamptz NOT NULL
);

CREATE TRIGGER trading_state_changes_append_only BEFORE UPDATE OR DELETE ON trading_state_changes
  FOR EACH ROW EXECUTE FUNCTION forbid_journal_mutation();
`;

// Every plan id that ever asked for a permit, and the workflow run that owns it: Temporal forgets a closed
// workflow after its retention period, this table does not.
const planClaims = `
CREATE TABLE plan_claims (
  plan_id     text        PRIMARY KEY,
  symbol      text        NOT NULL,
  workflow_id text        NOT NULL,
  run_id      text        NOT NULL,
  claimed_at  timestamptz NOT NULL
);
CREATE TRIGGER plan_claims_append_only BEFORE UPDATE OR DELETE ON plan_claims
  FOR EACH ROW EXECUTE FUNCTION forbid_journal_mutation();
`;

// Every order request of a plan, written before it leaves: its client order id, its exchange timestamp and
// recvWindow, and, once known, what became of it (docs/order-protocol.md). Attempt 0 stands for the one
// request a plan started before this protocol may have sent (client order id pc-<plan_id>).
const orderAttempts = `
CREATE TABLE order_attempts (
  plan_id            text        NOT NULL,
  attempt_no         integer     NOT NULL CHECK (attempt_no >= 0),
  client_order_id    text        NOT NULL UNIQUE,
  symbol             text        NOT NULL,
  side               text        NOT NULL CHECK (side IN ('BUY', 'SELL')),
  qty                numeric     NOT NULL CHECK (qty > 0),
  governor_permit_id text        NOT NULL,
  position_permit_id text        NOT NULL,
  exchange_timestamp bigint      NOT NULL,
  recv_window_ms     integer     NOT NULL CHECK (recv_window_ms > 0),
  settles_at         bigint      NOT NULL,
  created_at         timestamptz NOT NULL,
  outcome            text        NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'placed', 'refused', 'not_found')),
  exchange_order_id  text,
  detail             text,
  settled_at         timestamptz,
  PRIMARY KEY (plan_id, attempt_no),
  CHECK ((outcome = 'pending') = (settled_at IS NULL)),
  CHECK (outcome <> 'placed' OR exchange_order_id IS NOT NULL)
);
CREATE INDEX order_attempts_pending ON order_attempts (plan_id) WHERE outcome = 'pending';

-- A permit whose order step the workflow has given up on is revoked: a late sender can no longer use it.
ALTER TABLE permits ADD COLUMN revoked_at timestamptz;
`;

// Fills are booked by the order's cumulative executed quantity: each booking records the increment over what
// was booked for the order before (qty) and the cumulative quantity it brings the order to (cum_qty), so a
// partially filled order books its rest later, once per increment. Rows booked before this held a whole
// order each: their cumulative quantity is their quantity (the append-only trigger is paused for that
// backfill only, inside this migration's transaction).
const cumulativeFills = `
ALTER TABLE ledger_fills ADD COLUMN cum_qty numeric;
ALTER TABLE ledger_fills DISABLE TRIGGER ledger_fills_append_only;
UPDATE ledger_fills SET cum_qty = qty;
ALTER TABLE ledger_fills ENABLE TRIGGER ledger_fills_append_only;
ALTER TABLE ledger_fills ALTER COLUMN cum_qty SET NOT NULL;
ALTER TABLE ledger_fills ADD CONSTRAINT ledger_fills_cum_qty_check CHECK (cum_qty >= qty);
ALTER TABLE ledger_fills DROP CONSTRAINT ledger_fills_venue_exchange_order_id_key;
ALTER TABLE ledger_fills ADD CONSTRAINT ledger_fills_order_cum_qty_key UNIQUE (venue, exchange_order_id, cum_qty);
`;

// A plan's reconcile records the P3.3 denial it answered: {permit_id, exchange_amt, ledger_amt, diff,
// tolerance}. Null for a direct sync (`permitctl reconcile` with no plan waiting) and for rows before this.
const adjustmentAnswers = `
ALTER TABLE ledger_adjustments ADD COLUMN answers jsonb;
`;

// Plans of one symbol take turns (docs/concurrency.md): a plan queues for its symbol's turn before its governor
// sizes anything and keeps it until its order is final and booked (or it ends without one); the head of the
// queue (lowest seq not released) holds the turn. One open row per workflow run.
const symbolTurns = `
CREATE TABLE symbol_turns (
  seq            bigserial   PRIMARY KEY,
  venue          text        NOT NULL,
  symbol         text        NOT NULL,
  plan_id        text        NOT NULL,
  workflow_id    text        NOT NULL,
  run_id         text        NOT NULL,
  requested_at   timestamptz NOT NULL,
  granted_at     timestamptz,
  released_at    timestamptz,
  release_reason text,
  CHECK ((released_at IS NULL) = (release_reason IS NULL))
);
CREATE UNIQUE INDEX symbol_turns_one_open_per_run ON symbol_turns (run_id) WHERE released_at IS NULL;
CREATE INDEX symbol_turns_queue ON symbol_turns (venue, symbol, seq) WHERE released_at IS NULL;
CREATE INDEX symbol_turns_plan ON symbol_turns (plan_id);
`;

// An order that reached a final status records what it executed in the end: its unbooked remainder is then
// what is left of that, not of its ordered quantity (a CANCELED or EXPIRED order short of it is no longer in
// flight). A ledger position's version counts its journal rows, so a ledger sync can tell whether anything was
// booked between its reading of the exchange and its write; the sync records what exchange state it read.
const fencedSyncs = `
ALTER TABLE order_attempts ADD COLUMN final_qty numeric CHECK (final_qty IS NULL OR final_qty >= 0);
ALTER TABLE order_attempts ADD COLUMN final_status text;
ALTER TABLE ledger_positions ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE ledger_adjustments ADD COLUMN exchange_read_at timestamptz;
ALTER TABLE ledger_adjustments ADD COLUMN exchange_updated_at timestamptz;
ALTER TABLE ledger_adjustments ADD COLUMN based_on_version bigint;
`;

// The drift sweep: every mismatch between the exchange and the ledger it finds for a symbol with nothing in
// flight, kept for ever (never deleted). One open finding per symbol: a later sweep that sees the same amounts
// counts it again; other amounts supersede it; a ledger sync of the symbol resolves it. Each sweep's summary,
// including the symbols it could not read or had to skip, is kept too.
const driftFindings = `
CREATE TABLE drift_findings (
  finding_id          bigserial   PRIMARY KEY,
  venue               text        NOT NULL,
  symbol              text        NOT NULL,
  exchange_amt        numeric     NOT NULL,
  ledger_amt          numeric     NOT NULL,
  diff                numeric     NOT NULL,
  tolerance           numeric     NOT NULL,
  exchange_read_at    timestamptz NOT NULL,
  exchange_updated_at timestamptz,
  ledger_version      bigint      NOT NULL,
  sweep_id            text        NOT NULL,
  action              text        NOT NULL CHECK (action IN ('recorded', 'paused')),
  detected_at         timestamptz NOT NULL,
  last_seen_at        timestamptz NOT NULL,
  seen_count          integer     NOT NULL DEFAULT 1 CHECK (seen_count >= 1),
  resolved_at         timestamptz,
  resolution          text,
  CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);
CREATE UNIQUE INDEX drift_findings_one_open ON drift_findings (venue, symbol) WHERE resolved_at IS NULL;
CREATE INDEX drift_findings_detected ON drift_findings (detected_at);
CREATE TRIGGER drift_findings_kept BEFORE DELETE ON drift_findings
  FOR EACH ROW EXECUTE FUNCTION forbid_journal_mutation();

CREATE TABLE drift_sweeps (
  sweep_id    text        PRIMARY KEY,
  venue       text        NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  checked     integer     NOT NULL,
  drifted     integer     NOT NULL,
  busy        jsonb       NOT NULL,
  unreadable  jsonb       NOT NULL,
  error       text
);
CREATE INDEX drift_sweeps_started ON drift_sweeps (started_at);
`;

// A scope may be halted (new plans denied at once, running ones end before their order), besides paused.
const haltedTrading = `
ALTER TABLE trading_state DROP CONSTRAINT trading_state_state_check;
ALTER TABLE trading_state ADD CONSTRAINT trading_state_state_check CHECK (state IN ('running', 'paused', 'halted'));
ALTER TABLE trading_state_changes DROP CONSTRAINT trading_state_changes_previous_state_check;
ALTER TABLE trading_state_changes ADD CONSTRAINT trading_state_changes_previous_state_check CHECK (previous_state IN ('running', 'paused', 'halted'));
ALTER TABLE trading_state_changes DROP CONSTRAINT trading_state_changes_state_check;
ALTER TABLE trading_state_changes ADD CONSTRAINT trading_state_changes_state_check CHECK (state IN ('running', 'paused', 'halted'));
`;

export const migrations: readonly Migration[] = [
  { version: 1, name: 'ledger, permit log, trading state', sql: journalGuard + ledger + permits + tradingState },
  { version: 2, name: 'plan claims, order attempts', sql: planClaims + orderAttempts },
  { version: 3, name: 'fills booked by cumulative executed quantity', sql: cumulativeFills },
  { version: 4, name: 'ledger adjustments record the denial they answer', sql: adjustmentAnswers },
  { version: 5, name: 'symbol turns, final orders, fenced ledger syncs, drift findings', sql: symbolTurns + fencedSyncs + driftFindings },
  { version: 6, name: 'trading may be halted', sql: haltedTrading },
];
