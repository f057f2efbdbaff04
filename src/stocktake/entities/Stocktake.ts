import {
  Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn,
  VersionColumn,
} from "typeorm";
import { StocktakeItem } from "./StocktakeItem";
import { Store } from "./Store";
import { User } from "./User";
import { instant, money } from "./columns";

/** One count of a store's shelves. Business rule: totalValue = sum of its lines' lineValue. */
@Entity("stocktake")
export class Stocktake {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "integer" })
  storeId: number;

  @ManyToOne(() => Store, { nullable: false })
  @JoinColumn({ name: "storeId" })
  store: Store;

  /** open | counting | closed */
  @Column({ type: "varchar", length: 16, default: "open" })
  status: string;

  @Column(instant())
  startedAt: Date;

  @Column(instant({ nullable: true }))
  completedAt: Date | null;

  @Column({ type: "integer", nullable: true })
  countedById: number | null;

  @ManyToOne(() => User, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "countedById" })
  countedBy: User | null;

  @Column({ type: "text", nullable: true })
  notes: string | null;

  @Column(money({ default: 0 }))
  totalValue: string;

  @OneToMany(() => StocktakeItem, (line) => line.stocktake)
  items: StocktakeItem[];

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @VersionColumn()
  version: number;
}
