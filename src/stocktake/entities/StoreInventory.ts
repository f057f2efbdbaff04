import {
  Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn, VersionColumn,
} from "typeorm";
import { Item } from "./Item";
import { Store } from "./Store";
import { instant, quantity } from "./columns";

@Entity("storeInventory")
@Unique(["storeId", "itemId"])
export class StoreInventory {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "integer" })
  storeId: number;

  @ManyToOne(() => Store, { onDelete: "CASCADE", nullable: false })
  @JoinColumn({ name: "storeId" })
  store: Store;

  @Column({ type: "integer" })
  itemId: number;

  /** Stock follows its item: a cascaded item delete must not be blocked here. */
  @ManyToOne(() => Item, { onDelete: "CASCADE", nullable: false })
  @JoinColumn({ name: "itemId" })
  item: Item;

  @Column(quantity())
  quantity: string;

  @Column(quantity())
  reorderLevel: string;

  @Column(instant({ nullable: true }))
  lastCountedAt: Date | null;

  @UpdateDateColumn()
  updatedAt: Date;

  @VersionColumn()
  version: number;
}
