/**
 * The changelog an app holds after attachChangelog: the shipper at work
 * while the store can be written, and waiting (capture going on into the
 * outbox) while it cannot. A store that is full, read-only or not allowed
 * is tried again with a growing pause (1 s up to 30 s); its trouble is
 * reported once when it starts and once when it ends (ShippingHealth).
 * A PostgreSQL standby (shippingRole.ts) captures and waits to take over.
 */
import type { DataSource } from "typeorm";
import type { CaptureDialect } from "./capture/dialect";
import { readDatabaseIdentity } from "./capture/identityTable";
import { lockStore, openStoreForShipping, type OpenStoreOptions, STORE_TROUBLE } from "./capture/openStore";
import { Shipper, type ShipperOptions } from "./capture/shipper";
import { ShippingHealth, type ShippingTrouble } from "./capture/shippingHealth";
import { THIS_INSTANCE } from "./capture/shippingLease";
import { ShippingRole } from "./capture/shippingRole";
import { SqliteDialect } from "./capture/sqliteDialect";
import { sealSqliteTransactions } from "./capture/sqliteTransactions";
import { ChangelogSubscriber } from "./capture/subscriber";
import { BackupError } from "./errors";
import type { JournalLock } from "./journal/lock";
import type { JournalWriter } from "./journal/writer";
import { journalEnd } from "./journal/coverage";
import type { DatabaseSchema } from "./db/types";
import { readStoreIdentity } from "./storeIdentity";
import { takeSnapshot, type TakenSnapshot, type TakeSnapshotOptions } from "./snapshot/take";
import type { Changelog, ChangelogStatus } from "./changelogApi";
import { createReader } from "./reader";

const MAX_PAUSE_MS = 30_000;

const say = (text: string) => process.stderr.write(`stocktake-backup: ${text}\n`);

export class AttachedChangelog implements Changelog {
  private writer: JournalWriter | null = null;
  private shipper: Shipper | null = null;
  private connecting: Promise<void> | null = null;
  private installed = false;
  private closed = false;
  private known: { seq: number; at: number | null } = { seq: 0, at: null };
  private pauseMs: number;
  private nextTry = 0;
  private readonly health: ShippingHealth;
  private readonly subscriber = new ChangelogSubscriber(() => this.kick());
  private poll: NodeJS.Timeout | null = null;
  private readonly closing: (() => Promise<void>)[] = [];
  /** PostgreSQL: whether this process or another one ships (several app processes may share the database). */
  private readonly role: ShippingRole;
  private readonly onShippingHandlers: (() => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly dialect: CaptureDialect,
    readonly schema: DatabaseSchema,
    readonly dir: string,
    private readonly shipperOptions: ShipperOptions,
    private readonly storeOptions: OpenStoreOptions,
    private readonly pollMs: number,
    onError: (error: unknown) => void,
    onRecover: (trouble: ShippingTrouble) => void,
  ) {
    this.health = new ShippingHealth(onError, onRecover);
    this.pauseMs = pollMs;
    this.role = new ShippingRole(dataSource, dialect.engine, () => void this.standDown());
  }

  get lastSeq(): number {
    return this.writer?.lastSeq ?? this.known.seq;
  }

  /** Whether this process is the one that ships the database's changes (always, but for a PostgreSQL standby). */
  get ships(): boolean {
    return !this.role.standby;
  }

  /** Called each time this process becomes the one that ships after standing by (the schedule catches up then). */
  onShipping(handler: () => void): void {
    this.onShippingHandlers.push(handler);
  }

  /**
   * Connects to the store; when it cannot be written, capture is installed
   * anyway and waits. Other errors are the caller's. Then hooks into the
   * app: the subscriber and (SQLite) the seal tell of each commit, the poll
   * of commits by other processes.
   */
  async start(requireStore: boolean): Promise<void> {
    if (await this.role.claim(requireStore)) {
      try {
        await this.startShipping(requireStore);
      } catch (error) {
        await this.role.release();
        throw error;
      }
    }
    this.hookIntoApp();
  }

  private async startShipping(requireStore: boolean): Promise<void> {
    // The lock first: a second writer (JOURNAL_LOCKED) or a store of another database stops here, before the database is touched.
    let lock: JournalLock | null = null;
    let unavailable: unknown = null;
    try {
      lock = await lockStore(this.dir, await readDatabaseIdentity(this.dataSource, this.dialect.engine), { ...this.storeOptions, leaseHeld: this.role.leased });
    } catch (error) {
      if (requireStore || !isWaitable(error)) throw error;
      unavailable = error;
    }
    try {
      // The plugin's own tables (head, outbox, identity); no app table is touched.
      await this.dialect.preparePluginTables(this.schema);
      // Rows a commit left without a seq (SQLite: one made past the plugin's hook) join a transaction of their own.
      await this.dialect.sealOrphans();
      if (lock) await this.connect(lock);
    } catch (error) {
      if (requireStore || !isWaitable(error)) {
        if (lock && !this.writer) lock.release();
        throw error;
      }
      unavailable = error;
    }
    if (unavailable !== null) {
      this.health.failed(unavailable);
      this.scheduleRetry();
      // Capture must not wait for the store: triggers go in now, except where an outbox of an older layout still holds rows.
      await this.dialect.installTriggers(this.schema, { keepFilledOutboxes: true });
    }
  }

  /** The subscriber and (SQLite) the seal tell of each commit, the poll of commits by other processes. */
  private hookIntoApp(): void {
    this.dataSource.subscribers.push(this.subscriber);
    const dialect = this.dialect;
    if (dialect instanceof SqliteDialect) sealSqliteTransactions(this.dataSource, (now) => dialect.sealSql(now), () => this.kick());
    this.poll = setInterval(() => this.tick(), this.pollMs);
    this.poll.unref();
  }

  /** A transaction committed (the subscriber, the SQLite seal). */
  kick(): void {
    this.shipper?.kick();
  }

  /** The poll: ship what other processes committed, or try the store again. */
  tick(): void {
    if (this.closed) return;
    if (this.role.standby) void this.takeOver();
    else if (this.shipper) this.shipper.kick();
    else if (Date.now() >= this.nextTry) void this.reconnect().catch(() => undefined);
  }

  async flush(): Promise<void> {
    if (this.role.standby) {
      // Another process ships: wait for the journal to hold what is committed now (or for this one to take over).
      await this.role.waitForJournal(this.dir, await this.dialect.headSeq(), Math.min(this.pollMs, 100), () => this.closed);
      if (this.role.standby) return;
    }
    if (!this.shipper) await this.reconnect();
    try {
      await this.shipper!.flush();
      this.health.succeeded();
    } catch (error) {
      await this.shippingFailed(error);
      throw error;
    }
  }

  async snapshot(options: TakeSnapshotOptions = {}): Promise<TakenSnapshot> {
    if (this.closed) throw new BackupError("BAD_USAGE", "snapshot() on a closed changelog");
    await this.flush();
    const database = await this.dialect.identity();
    const store = await readStoreIdentity(this.dir);
    return takeSnapshot(createReader(this.dataSource), this.schema, this.dir, {
      ...options, identity: { databaseId: database?.databaseId ?? null, storeId: store?.storeId ?? null },
    });
  }

  async status(): Promise<ChangelogStatus> {
    // A standby knows the journal's end from the store, which the shipping process writes.
    const end = this.role.standby ? journalEnd(this.dir) : null;
    const seq = end?.lastSeq ?? this.lastSeq;
    const at = end?.lastAt ?? this.writer?.lastAt ?? this.known.at;
    return {
      store: this.dir,
      shipping: !this.role.standby && this.shipper !== null && this.health.current === null,
      lastShippedSeq: seq,
      lastShippedAt: at === null ? null : new Date(at).toISOString(),
      waiting: await this.dialect.pendingTransactions(seq),
      trouble: this.health.current,
      role: this.role.standby ? "standby" : "shipping",
      shipper: await this.role.holder(),
    };
  }

  /** Work to end before the changelog closes (the app's schedule: a snapshot in progress finishes first). */
  beforeClose(stop: () => Promise<void>): void {
    this.closing.push(stop);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const stop of this.closing.splice(0)) await stop().catch(() => undefined);
    if (this.closed) return;
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    const index = this.dataSource.subscribers.indexOf(this.subscriber);
    if (index >= 0) this.dataSource.subscribers.splice(index, 1);
    await this.connecting?.catch(() => undefined);
    try {
      if (this.shipper) {
        await this.shipper.stop();
        if (this.dataSource.isInitialized) await this.shipper.drain();
      }
    } finally {
      await this.writer?.close();
      await this.role.release();
      await this.dialect.close();
    }
  }

  /**
   * A standby's poll: when the shipping process is gone, ship from here,
   * opening the store as a start does (recovery judges what the dead process
   * left, and the drain ships what waits in the outbox).
   */
  private async takeOver(): Promise<void> {
    if (this.closed || !(await this.role.takeOver(() => this.dialect.preparePluginTables(this.schema)))) return;
    say(`this process (${THIS_INSTANCE}) ships the changes to ${this.dir} from now on`);
    await this.reconnect().catch(() => undefined); // reported; the poll tries again
    for (const handler of this.onShippingHandlers) handler();
  }

  /** The lease's session is gone: another process may ship now, so this one stops at once and stands by. */
  private async standDown(): Promise<void> {
    if (this.closed) return;
    say(`lost the lease to ship the changes to ${this.dir}; standing by`);
    const { shipper, writer } = this;
    this.shipper = null;
    this.writer = null;
    if (writer) this.known = { seq: writer.lastSeq, at: writer.lastAt };
    await shipper?.stop();
    await writer?.close().catch(() => undefined);
  }

  private reconnect(): Promise<void> {
    if (this.closed) return Promise.reject(new BackupError("BAD_USAGE", "the changelog is closed"));
    this.connecting ??= this.connect().then(
      () => { this.health.succeeded(); this.pauseMs = this.pollMs; },
      (error: unknown) => { this.health.failed(error); this.scheduleRetry(); throw error; },
    ).finally(() => { this.connecting = null; });
    return this.connecting;
  }

  /** Opens the store, ships what waits in the outbox, installs the triggers (after the drain: an outbox may change shape). */
  private async connect(lock?: JournalLock): Promise<void> {
    const writer = await openStoreForShipping(this.dir, this.dialect, this.schema, { ...this.storeOptions, leaseHeld: this.role.leased }, lock);
    const shipper = new Shipper(this.dialect, writer, this.shipperOptions, {
      shipped: () => this.health.succeeded(),
      failed: (error) => void this.shippingFailed(error),
    });
    try {
      await shipper.drain();
      if (!this.installed) await this.dialect.installTriggers(this.schema);
    } catch (error) {
      await shipper.stop();
      this.known = { seq: writer.lastSeq, at: writer.lastAt };
      await writer.close().catch(() => undefined);
      throw error;
    }
    this.installed = true;
    this.writer = writer;
    this.shipper = shipper;
  }

  /**
   * Shipping failed: report it, and let go of the journal, so the next try
   * opens it again (recovery then judges whatever a failed write left).
   */
  private async shippingFailed(error: unknown): Promise<void> {
    this.health.failed(error);
    const { shipper, writer } = this;
    if (!shipper || !writer) return;
    this.shipper = null;
    this.writer = null;
    this.known = { seq: writer.lastSeq, at: writer.lastAt };
    this.scheduleRetry();
    await shipper.stop();
    await writer.close().catch(() => undefined);
  }

  private scheduleRetry(): void {
    this.nextTry = Date.now() + this.pauseMs;
    this.pauseMs = Math.min(MAX_PAUSE_MS, this.pauseMs * 2);
  }
}

/** Errors after which capture goes on and shipping tries again; any other stops attachChangelog. */
function isWaitable(error: unknown): boolean {
  return error instanceof BackupError && (STORE_TROUBLE.has(error.code) || error.code === "JOURNAL_CORRUPT" || error.code === "JOURNAL_GAP");
}
