import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Item } from "./Item";
import { Order } from "./Order";
import { money, quantity } from "./columns";

@Entity("orderItem")
export class OrderItem {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "integer" })
  orderId: number;

  @ManyToOne(() => Order, (order) => order.items, { onDelete: "CASCADE", nullable: false })
  @JoinColumn({ name: "orderId" })
  order: Order;

  @Column({ type: "integer" })
  itemId: number;

  @ManyToOne(() => Item, { nullable: false })
  @JoinColumn({ name: "itemId" })
  item: Item;

  @Column(quantity())
  quantity: string;

  @Column(money())
  unitPrice: string;

  /** round(quantity * unitPrice, 2) */
  @Column(money())
  lineTotal: string;
}
