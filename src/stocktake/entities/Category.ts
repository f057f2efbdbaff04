import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";
import { Item } from "./Item";

@Entity("category")
export class Category {
  @PrimaryGeneratedColumn()
  id: number;

  /** Unique: it is the conflict target of the workload's upsert. */
  @Column({ type: "varchar", length: 80, unique: true })
  name: string;

  @Column({ type: "text", nullable: true })
  description: string | null;

  @Column({ type: "integer", default: 0 })
  sortOrder: number;

  /** cascade: saving a category with new items inserts them (write path 30). */
  @OneToMany(() => Item, (item) => item.category, { cascade: true })
  items: Item[];

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}
