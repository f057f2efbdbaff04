/**
 * Whether this app process ships the database's changes or stands by. On
 * PostgreSQL several app processes may attach to one database and one
 * store: the holder of the shipping lease (shippingLease.ts) ships, the
 * others capture (the triggers do that) and try to take the lease at each
 * poll, so one of them ships within a poll of the shipping one's death. On
 * SQLite a database is one file of one app: its process always ships (the
 * journal's lock refuses a second one).
 */
import type { DataSource } from "typeorm";
import type { Engine } from "../db/types";
import { BackupError } from "../errors";
import { journalEnd } from "../journal/coverage";
import { ShippingLease } from "./shippingLease";

export class ShippingRole {
  private lease: ShippingLease | null = null;
  private standing = false;
  private takingOver: Promise<boolean> | null = null;
  /** Released for good (the changelog closes): a take-over under way gives its lease back. */
  private done = false;

  /** `lost`: the lease's session is gone while this process ships; it must stop shipping at once. */
  constructor(private readonly dataSource: DataSource, private readonly engine: Engine, private readonly lost: () => void) {}

  /** This process holds the lease: no other process of the database ships. */
  get leased(): boolean {
    return this.lease !== null;
  }

  /** Another process ships; this one captures and waits to take over. */
  get standby(): boolean {
    return this.standing;
  }

  /**
   * At start-up: true when this process is to ship, false when it stands by.
   * `mustShip` (the command line) turns standing by into JOURNAL_LOCKED.
   */
  async claim(mustShip: boolean): Promise<boolean> {
    if (this.engine !== "postgres") return true;
    const lease = await ShippingLease.take(this.dataSource);
    if (lease !== null) {
      this.hold(lease);
      return true;
    }
    if (mustShip) {
      throw new BackupError("JOURNAL_LOCKED", `the database's changes are shipped by another process (${await this.holder() ?? "unknown"})`,
        "that process (the running app, or another backup) ships them; stop it to ship from here");
    }
    this.standing = true;
    return false;
  }

  /**
   * A standby's poll: takes the lease if the shipping process is gone and
   * `prepare` succeeds (else gives it back for the next poll). True when this
   * process ships from now on.
   */
  takeOver(prepare: () => Promise<void>): Promise<boolean> {
    this.takingOver ??= (async () => {
      if (!this.standing || this.done) return false;
      const lease = await ShippingLease.take(this.dataSource);
      if (lease === null) return false;
      try {
        if (this.done) throw new Error("closed");
        await prepare();
      } catch {
        await lease.release();
        return false;
      }
      this.hold(lease);
      this.standing = false;
      return true;
    })().catch(() => false).finally(() => { this.takingOver = null; });
    return this.takingOver;
  }

  /** The process that ships ("host:pid"), where the database can tell (PostgreSQL); else null. */
  async holder(): Promise<string | null> {
    if (this.engine !== "postgres") return null;
    return ShippingLease.holder((sql, params) => this.dataSource.query(sql, params)).catch(() => null);
  }

  /**
   * A standby's flush: resolves once the journal (written by the shipping
   * process) holds `seq`, or this process stops standing by (then its own
   * flush does the rest).
   */
  async waitForJournal(store: string, seq: number, pollMs: number, closed: () => boolean): Promise<void> {
    while (this.standing) {
      if (closed()) throw new BackupError("BAD_USAGE", "the changelog is closed");
      if ((journalEnd(store)?.lastSeq ?? 0) >= seq) return;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Ends the lease's session (after the journal is closed: a standby taking over then finds every change shipped). */
  async release(): Promise<void> {
    this.done = true;
    await this.takingOver;
    const lease = this.lease;
    this.lease = null;
    await lease?.release();
  }

  private hold(lease: ShippingLease): void {
    this.lease = lease;
    lease.onLost(() => {
      this.lease = null;
      this.standing = true;
      this.lost();
    });
  }
}
