import { ENGINES } from "./support/databases";
/**
 * The app always starts, and always hears (issue 7, item 5; probe D14): a
 * store on a full or read-only disk does not stop attachChangelog, capture
 * goes on into the outbox, the trouble is reported once when it starts and
 * once when it ends, and status() tells it meanwhile.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ShippingTrouble } from "../src/capture/shippingHealth";
import { readFrames } from "../src/journal/reader";
import { mountTmpfs, type Tmpfs } from "./support/tmpfs";
import { tinyApp, type TinyApp } from "./support/tinyApp";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const journalNames = (store: string) => [...readFrames(store)].flatMap((f) => f.changes.map((c) => c.after?.name as string));

for (const engine of ENGINES) {
  describe(`the app starts whatever the store's disk (${engine})`, function () {
    this.timeout(120_000);
    let app: TinyApp;
    let disk: Tmpfs;
    beforeEach(async function () {
      disk = mountTmpfs(this, 1024);
      app = await tinyApp(engine, "s");
    });
    afterEach(async () => {
      await app?.close();
      disk?.unmount();
    });

    it("StartsOnAFullStoreDiskAndCatchesUpWhenThereIsRoom (D14)", async () => {
      const store = path.join(disk.dir, "store");
      fs.mkdirSync(store);
      const first = await app.attach({ dir: store });
      const early = await app.write(2);
      await first.close();
      disk.fill();

      const errors: unknown[] = [];
      const recoveries: ShippingTrouble[] = [];
      const changelog = await app.attach({ dir: store, onError: (e) => errors.push(e), onRecover: (t) => recoveries.push(t) });
      try {
        const waiting = await app.write(5);
        await sleep(1500); // several polls: still one report
        const status = await changelog.status();
        expect(status.shipping).to.equal(false);
        expect(status.trouble?.code).to.equal("DISK_FULL");
        expect(status.waiting).to.equal(5);
        expect(errors).to.have.length(1);
        expect(String(errors[0])).to.contain("no space left");
        await changelog.flush().then(() => { throw new Error("flush cannot succeed on a full disk"); }, () => undefined);

        disk.free();
        await until("shipping to resume", async () => (await changelog.status()).shipping && (await changelog.status()).waiting === 0);
        expect(recoveries).to.have.length(1);
        expect(recoveries[0].code).to.equal("DISK_FULL");
        await changelog.flush();
        expect(journalNames(store)).to.deep.equal([...early, ...waiting]);
        expect(fs.readdirSync(path.join(store, "journal")).filter((n) => n.startsWith("LOCK.")), "no lock temp files left").to.deep.equal([]);
      } finally {
        await changelog.close();
      }
    });

    it("StartsOnAReadOnlyStoreAndShipsOnceItIsWritable", async () => {
      const store = path.join(disk.dir, "store");
      fs.mkdirSync(store);
      disk.readOnly(true);
      const errors: unknown[] = [];
      const changelog = await app.attach({ dir: store, onError: (e) => errors.push(e) });
      try {
        const names = await app.write(3);
        const status = await changelog.status();
        expect(status.trouble?.code).to.equal("READ_ONLY");
        expect(String(errors[0])).to.contain("read-only");
        disk.readOnly(false);
        await until("shipping to resume", async () => (await changelog.status()).waiting === 0);
        await changelog.flush();
        expect(journalNames(store)).to.deep.equal(names);
        expect(errors).to.have.length(1);
      } finally {
        await changelog.close();
      }
    });

    it("ADiskThatFillsWhileTheAppRunsIsReportedOnceAndLosesNothing", async () => {
      const store = path.join(disk.dir, "store");
      fs.mkdirSync(store);
      const errors: unknown[] = [];
      const recoveries: ShippingTrouble[] = [];
      const changelog = await app.attach({ dir: store, durability: "commit", onError: (e) => errors.push(e), onRecover: (t) => recoveries.push(t) });
      try {
        const before = await app.write(3);
        await changelog.flush();
        disk.fill();
        const during: string[] = [];
        // Enough frames to need pages the full disk does not have (a page holds dozens of small ones).
        for (let i = 0; i < 150; i++) {
          during.push(...(await app.write(1)));
          if (i % 10 === 0) await sleep(20);
        }
        await until("the trouble to show", async () => (await changelog.status()).trouble !== null);
        disk.free();
        await until("shipping to resume", async () => (await changelog.status()).shipping && (await changelog.status()).waiting === 0);
        await changelog.flush();
        expect(journalNames(store)).to.deep.equal([...before, ...during]);
        expect(errors).to.have.length(1);
        expect(recoveries).to.have.length(1);
      } finally {
        await changelog.close();
      }
    });
  });
}
