import {
  Column, CreateDateColumn, Entity, Generated, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn,
  UpdateDateColumn, VersionColumn,
} from "typeorm";
import { Customer } from "./Customer";
import { OrderItem } from "./OrderItem";
import { Store } from "./Store";
import { instant, money } from "./columns";

/** Table `order`: a reserved word in SQL, kept to prove quoting. Rule: total = sum of lineTotal. */
@Entity("order")
export class Order {
  @PrimaryGeneratedColumn()
  id: number;

  /** The customer-facing reference: uuid on PostgreSQL, varchar on SQLite. */
  @Column({ type: "uuid", unique: true })
  @Generated("uuid")
  reference: string;

  @Column({ type: "integer" })
  customerId: number;

  @ManyToOne(() => Customer, { nullable: false })
  @JoinColumn({ name: "customerId" })
  customer: Customer;

  @Column({ type: "integer" })
  storeId: number;

  @ManyToOne(() => Store, { nullable: false })
  @JoinColumn({ name: "storeId" })
  store: Store;

  /** pending | confirmed | shipped | cancelled */
  @Column({ type: "varchar", length: 16, default: "pending" })
  status: string;

  @Column(instant())
  orderedAt: Date;

  @Column(money({ default: 0 }))
  total: string;

  @Column({ type: "text", nullable: true })
  notes: string | null;

  @OneToMany(() => OrderItem, (line) => line.order)
  items: OrderItem[];

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @VersionColumn()
  version: number;
}
