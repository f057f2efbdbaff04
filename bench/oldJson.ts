import fs from "fs";
import zlib from "zlib";
import { DataSource, EntityMetadata } from "typeorm";

/**
 * The old system, reimplemented faithfully as the baseline: read every table
 * whole through the ORM, one pretty-printed JSON document, gzip; restore by
 * batches of 100 through the ORM. Only what it takes to finish is added:
 * parents before children, and Buffers turned back from their JSON form.
 */
export async function oldJsonBackup(ds: DataSource, file: string): Promise<void> {
  const data: Record<string, unknown[]> = {};
  for (const meta of ds.entityMetadatas) {
    data[meta.tableName] = meta.tableType === "junction"
      ? await ds.query(`SELECT * FROM ${ds.driver.escape(meta.tableName)}`)
      : await ds.getRepository(meta.target).find({ withDeleted: true, loadEagerRelations: false });
  }
  const json = JSON.stringify({ timestamp: new Date().toISOString(), version: "1.0", data }, null, 2);
  fs.writeFileSync(file, zlib.gzipSync(json));
}

function parentsFirst(metas: EntityMetadata[]): EntityMetadata[] {
  const done = new Set<EntityMetadata>();
  const out: EntityMetadata[] = [];
  const visit = (m: EntityMetadata) => {
    if (done.has(m)) return;
    done.add(m);
    for (const fk of m.foreignKeys) if (fk.referencedEntityMetadata !== m) visit(fk.referencedEntityMetadata);
    out.push(m);
  };
  metas.forEach(visit);
  return out;
}

function revive(value: unknown): unknown {
  if (value && typeof value === "object" && (value as { type?: string }).type === "Buffer") return Buffer.from((value as { data: number[] }).data);
  return value;
}

export async function oldJsonRestore(ds: DataSource, file: string): Promise<number> {
  const parsed = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString("utf8")) as { data: Record<string, Record<string, unknown>[]> };
  let rows = 0;
  for (const meta of parentsFirst(ds.entityMetadatas)) {
    const all = parsed.data[meta.tableName] ?? [];
    for (let i = 0; i < all.length; i += 100) {
      const batch = all.slice(i, i + 100).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, revive(v)])));
      if (meta.tableType === "junction") await ds.createQueryBuilder().insert().into(meta.tableName).values(batch).execute();
      else await ds.getRepository(meta.target).save(batch, { reload: false });
      rows += batch.length;
    }
  }
  return rows;
}
