/**
 * Several app processes on one PostgreSQL database, one store: every one
 * captures (the triggers do that), exactly one ships. Which one is decided
 * by a session-level advisory lock held on a connection of its own:
 * PostgreSQL lets go of it when that session ends, so when the shipping
 * process dies (SIGKILL, power loss, a cut network) another one takes it at
 * its next poll. Not a file lock: a store on a shared file system (NFS)
 * offers no lock that holds across hosts, and a pid means nothing on
 * another host.
 *
 * Each session is named by its application_name ("stocktake-backup lease
 * <host>:<pid>"), so `health` and the standbys can say which process holds
 * the lock without asking that process anything.
 */
import { hostname } from "node:os";
import { Client, type ClientConfig } from "pg";
import type { DataSource } from "typeorm";

/** The advisory lock's two int4 keys ("stkb", "ship" in ASCII); advisory locks are per database already. */
const KEYS = [0x73746b62, 0x73686970] as const;
const NAME = "stocktake-backup lease";

/** This process, as a lease holder names itself. */
export const THIS_INSTANCE = `${hostname()}:${process.pid}`;

export class ShippingLease {
  private lostHandlers: (() => void)[] = [];
  private holding = false;
  private ended = false;

  private constructor(private readonly client: Client) {
    // An error or end of the session means PostgreSQL has let go of the lock (or soon will): stop shipping at once.
    client.on("error", () => this.lose());
    client.on("end", () => this.lose());
  }

  /**
   * A session that may take the lease, kept open while this process stands
   * by, so a standby's poll asks on it instead of opening a connection (a
   * server process) every time.
   */
  static async connect(dataSource: DataSource): Promise<ShippingLease> {
    const client = new Client({ ...connectionOf(dataSource), application_name: `${NAME} ${THIS_INSTANCE}` });
    await client.connect();
    return new ShippingLease(client);
  }

  /** Who holds the lease of the database `query` asks ("host:pid"), or null when no process ships. */
  static async holder(query: (sql: string, params: unknown[]) => Promise<{ name: string }[]>): Promise<string | null> {
    const rows = await query(
      "SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid " +
      "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 " +
      "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())", [...KEYS]);
    const name = rows[0]?.name;
    return typeof name === "string" && name.startsWith(`${NAME} `) ? name.slice(NAME.length + 1) : null;
  }

  /** Takes the lock on this session if no other process holds it; true when this process holds it now. */
  async tryTake(): Promise<boolean> {
    if (this.ended) return false;
    if (!this.holding) {
      const { rows } = await this.client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [...KEYS]);
      this.holding = rows[0]?.ok === true;
    }
    return this.holding;
  }

  /** The session is gone (the server, the network): a new one must be opened to try again. */
  get closed(): boolean {
    return this.ended;
  }

  /** Called once, when the session is lost while it holds the lock. */
  onLost(handler: () => void): void {
    this.lostHandlers.push(handler);
  }

  /** Ends the session, which releases the lock if it is held. */
  async release(): Promise<void> {
    this.lostHandlers = [];
    this.ended = true;
    await this.client.end().catch(() => undefined);
  }

  private lose(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.holding) for (const handler of this.lostHandlers.splice(0)) handler();
  }
}

/** The connection settings of the DataSource's pool (pg keeps the password and an SSL key out of enumeration). */
function connectionOf(dataSource: DataSource): ClientConfig {
  const options = (dataSource.driver as unknown as { master: { options: ClientConfig } }).master.options;
  return { ...options, password: options.password, ...(options.ssl && typeof options.ssl === "object" ? { ssl: { ...options.ssl, key: options.ssl.key } } : {}) };
}
