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

export const migrations: readonly Migration[] = [
  { version: 1, name: 'ledger, permit log, trading state', sql: journalGuard + ledger + permits + tradingState },
  { version: 2, name: 'plan claims, order attempts', sql: planClaims + orderAttempts },
  { version: 3, name: 'fills booked by cumulative executed quantity', sql: cumulativeFills },
  { version: 4, name: 'ledger adjustments record the denial they answer', sql: adjustmentAnswers },
];
