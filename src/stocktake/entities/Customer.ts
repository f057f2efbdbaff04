import {
  Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn,
} from "typeorm";
import { money } from "./columns";

@Entity("customer")
export class Customer {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "varchar", length: 120 })
  name: string;

  @Column({ type: "varchar", length: 160, nullable: true })
  email: string | null;

  @Column({ type: "varchar", length: 32, nullable: true })
  phone: string | null;

  @Column({ type: "text", nullable: true })
  address: string | null;

  @Column(money())
  creditLimit: string;

  @Column({ type: "boolean", default: true })
  isActive: boolean;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  /** Customers are archived, never deleted: orders keep pointing at them. */
  @DeleteDateColumn()
  deletedAt: Date | null;
}
