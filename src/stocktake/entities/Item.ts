import {
  Column, CreateDateColumn, DeleteDateColumn, Entity, JoinColumn, JoinTable, ManyToMany, ManyToOne,
  PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn,
} from "typeorm";
import { Category } from "./Category";
import { Supplier } from "./Supplier";
import { binary } from "./binary";
import { bigintString, money } from "./columns";

/** Free-form product facts, stored as JSON text (`simple-json`) on both engines. */
export interface ItemAttributes {
  origin?: string;
  organic?: boolean;
  allergens?: string[];
  shelfLifeDays?: number;
}

@Entity("item")
export class Item {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "varchar", length: 32, unique: true })
  sku: string;

  /** Not unique in the schema: duplicate names are an integrity finding, not a constraint. */
  @Column({ type: "varchar", length: 120 })
  name: string;

  @Column({ type: "text", nullable: true })
  description: string | null;

  @Column({ type: "varchar", length: 16 })
  unit: string;

  @Column(money())
  unitPrice: string;

  @Column(money())
  unitCost: string;

  /** GS1 trade item number: 14 digits, beyond 32-bit integers. */
  @Column(bigintString({ nullable: true }))
  gtin: string | null;

  @Column({ type: "boolean", default: true })
  isActive: boolean;

  @Column({ type: "simple-json", nullable: true })
  attributes: ItemAttributes | null;

  @Column(binary({ nullable: true }))
  image: Buffer | null;

  @Column({ type: "integer" })
  categoryId: number;

  /** Database ON DELETE CASCADE: removing a category removes its items (write path 31). */
  @ManyToOne(() => Category, (category) => category.items, { onDelete: "CASCADE", nullable: false })
  @JoinColumn({ name: "categoryId" })
  category: Category;

  /** cascade insert lets a new item bring a new supplier along (write path 30). */
  @ManyToMany(() => Supplier, (supplier) => supplier.items, { onDelete: "CASCADE", cascade: ["insert"] })
  @JoinTable({
    name: "item_supplier",
    joinColumn: { name: "itemId", referencedColumnName: "id" },
    inverseJoinColumn: { name: "supplierId", referencedColumnName: "id" },
  })
  suppliers: Supplier[];

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @DeleteDateColumn()
  deletedAt: Date | null;

  @VersionColumn()
  version: number;
}
