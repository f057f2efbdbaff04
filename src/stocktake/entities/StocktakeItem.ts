import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Item } from "./Item";
import { Stocktake } from "./Stocktake";
import { instant, money, quantity } from "./columns";

@Entity("stocktakeItem")
export class StocktakeItem {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "integer" })
  stocktakeId: number;

  @ManyToOne(() => Stocktake, (stocktake) => stocktake.items, { onDelete: "CASCADE", nullable: false })
  @JoinColumn({ name: "stocktakeId" })
  stocktake: Stocktake;

  @Column({ type: "integer" })
  itemId: number;

  @ManyToOne(() => Item, { nullable: false })
  @JoinColumn({ name: "itemId" })
  item: Item;

  @Column(quantity())
  expectedQuantity: string;

  /** NULL until counted: not the same as a count of zero. */
  @Column(quantity({ nullable: true }))
  countedQuantity: string | null;

  @Column(money())
  unitCost: string;

  /** round(countedQuantity * unitCost, 2), 0 while uncounted. */
  @Column(money({ default: 0 }))
  lineValue: string;

  @Column(instant({ nullable: true }))
  countedAt: Date | null;
}
