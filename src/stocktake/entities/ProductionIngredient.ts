import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Item } from "./Item";
import { Production } from "./Production";
import { quantity } from "./columns";

@Entity("productionIngredient")
export class ProductionIngredient {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "integer" })
  productionId: number;

  @ManyToOne(() => Production, (production) => production.ingredients, { onDelete: "CASCADE", nullable: false })
  @JoinColumn({ name: "productionId" })
  production: Production;

  @Column({ type: "integer" })
  itemId: number;

  @ManyToOne(() => Item, { nullable: false })
  @JoinColumn({ name: "itemId" })
  item: Item;

  @Column(quantity())
  quantityUsed: string;
}
