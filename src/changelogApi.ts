/**
 * The changelog an app holds after attachChangelog, as the app sees it:
 * what it can ask (flush, snapshot, status, close) and what status says.
 */
import type { ShippingTrouble } from "./capture/shippingHealth";
import type { DatabaseSchema } from "./db/types";
import type { TakenSnapshot, TakeSnapshotOptions } from "./snapshot/take";

export interface ChangelogStatus {
  store: string;
  /** The journal is open and the last shipping attempt succeeded. */
  shipping: boolean;
  /** The last transaction in the journal (0: none, or not known while the store cannot be read). */
  lastShippedSeq: number;
  /** Its commit time, ISO 8601; null when unknown. */
  lastShippedAt: string | null;
  /** Committed transactions in the database's outbox that the journal does not have yet. */
  waiting: number;
  /** Why shipping fails, since when; null while it works. */
  trouble: ShippingTrouble | null;
  /**
   * PostgreSQL, several app processes: "standby" while another process ships
   * (this one captures, and takes over when that one dies). Else "shipping".
   */
  role: "shipping" | "standby";
  /** The process that ships ("host:pid"), where the database can tell (PostgreSQL); else null. */
  shipper: string | null;
}

export interface Changelog {
  readonly dir: string;
  readonly schema: DatabaseSchema;
  /** Sequence number of the last transaction in the journal. */
  readonly lastSeq: number;
  /** Resolves once every change committed before the call is in the journal and on disk; rejects while the store cannot be written. */
  flush(): Promise<void>;
  /**
   * Flushes, then writes a snapshot of the captured tables into the store:
   * exactly the state after one transaction, taken while the app goes on writing.
   */
  snapshot(options?: TakeSnapshotOptions): Promise<TakenSnapshot>;
  /** Whether changes reach the journal, for health checks. */
  status(): Promise<ChangelogStatus>;
  /** Ships what is left, stops capture bookkeeping and releases the journal. */
  close(): Promise<void>;
}
