import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Customer } from "./Customer";
import { DeliveryPlan } from "./DeliveryPlan";
import { Item } from "./Item";
import { quantity } from "./columns";

@Entity("deliveryItem")
export class DeliveryItem {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "integer" })
  deliveryPlanId: number;

  @ManyToOne(() => DeliveryPlan, (plan) => plan.items, { onDelete: "CASCADE", nullable: false })
  @JoinColumn({ name: "deliveryPlanId" })
  deliveryPlan: DeliveryPlan;

  @Column({ type: "integer" })
  customerId: number;

  @ManyToOne(() => Customer, { nullable: false })
  @JoinColumn({ name: "customerId" })
  customer: Customer;

  @Column({ type: "integer" })
  itemId: number;

  @ManyToOne(() => Item, { nullable: false })
  @JoinColumn({ name: "itemId" })
  item: Item;

  @Column(quantity())
  quantity: string;

  @Column({ type: "boolean", default: false })
  delivered: boolean;
}
