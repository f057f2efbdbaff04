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
  /** The session that holds the lease, or (standing by) the one that asks for it at each poll. */
  private session: ShippingLease | null = null;
  private holding = false;
  private standing = false;
  private takingOver: Promise<boolean> | null = null;
  /** Released for good (the changelog closes): a take-over under way gives its lease back. */
  private done = false;

  /** `lost`: the lease's session is gone while this process ships; it must stop shipping at once. */
  constructor(private readonly dataSource: DataSource, private readonly engine: Engine, private readonly lost: () => void) {}

  /** This process holds the lease: no other process of the database ships. */
  get leased(): boolean {
    return this.holding;
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
    this.session = await ShippingLease.connect(this.dataSource);
    if (await this.session.tryTake()) {
      this.hold(this.session);
      return true;
    }
    if (mustShip) {
      await this.release();
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
      if (this.session === null || this.session.closed) this.session = await ShippingLease.connect(this.dataSource);
      const session = this.session;
      if (!(await session.tryTake())) return false;
      try {
        if (this.done) throw new Error("closed");
        await prepare();
      } catch {
        // Given back by ending the session; the next poll opens another.
        this.session = null;
        await session.release();
        return false;
      }
      this.hold(session);
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
    const session = this.session;
    this.session = null;
    this.holding = false;
    await session?.release();
  }

  private hold(session: ShippingLease): void {
    this.holding = true;
    session.onLost(() => {
      this.holding = false;
      this.standing = true;
      this.lost();
    });
  }
}
