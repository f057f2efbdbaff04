import {
  Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn,
} from "typeorm";
import { DeliveryItem } from "./DeliveryItem";
import { DeliveryPlanCustomer } from "./DeliveryPlanCustomer";
import { Store } from "./Store";

/** One van run from a store: the customers it visits and what it drops off. */
@Entity("deliveryPlan")
export class DeliveryPlan {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "integer" })
  storeId: number;

  @ManyToOne(() => Store, { nullable: false })
  @JoinColumn({ name: "storeId" })
  store: Store;

  @Column({ type: "date" })
  deliveryDate: string;

  /** planned | loaded | delivered */
  @Column({ type: "varchar", length: 16, default: "planned" })
  status: string;

  @Column({ type: "varchar", length: 80, nullable: true })
  driverName: string | null;

  @Column({ type: "text", nullable: true })
  notes: string | null;

  @OneToMany(() => DeliveryPlanCustomer, (stop) => stop.deliveryPlan)
  stops: DeliveryPlanCustomer[];

  @OneToMany(() => DeliveryItem, (line) => line.deliveryPlan)
  items: DeliveryItem[];

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}
