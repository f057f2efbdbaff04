import { Column, CreateDateColumn, Entity, ManyToMany, PrimaryGeneratedColumn } from "typeorm";
import { Item } from "./Item";

@Entity("supplier")
export class Supplier {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "varchar", length: 120 })
  name: string;

  @Column({ type: "varchar", length: 16, unique: true })
  code: string;

  @Column({ type: "varchar", length: 160, nullable: true })
  contactEmail: string | null;

  @Column({ type: "integer", default: 2 })
  leadTimeDays: number;

  @ManyToMany(() => Item, (item) => item.suppliers, { onDelete: "CASCADE" })
  items: Item[];

  @CreateDateColumn()
  createdAt: Date;
}
